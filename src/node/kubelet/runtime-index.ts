/**
 * PodRuntimeIndex: how the kubelet's HTTPS server (logs, exec, attach, port-forward, stats) finds what runs for a
 * pod — its sandbox, its containers and their log files, its volumes — without sharing the pod workers' state.
 * The index reads the CRI runtime directly, by the labels the kubelet puts on every sandbox and container (see
 * cri-labels.ts), so it works from any process that can reach the runtime and knows the kubelet's data dir.
 *
 * Layout on disk (`dataDir` is the kubelet's): `<dataDir>/pods/<uid>/logs/<container>/<attempt>.log` are the CRI
 * log files; `<dataDir>/pods/<uid>/volumes/<plugin>/<name>` the pod's own volumes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerState, CriClient, PodSandboxState } from '../cri/index.js';
import {
  CONTAINER_NAME_LABEL, CONTAINER_TYPE_ANNOTATION, MANAGED_LABEL, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL,
  RESTART_COUNT_ANNOTATION,
} from './cri-labels.js';

/** One container instance of a pod. */
export interface ContainerRuntimeInfo {
  /** The CRI container id (without `containerd://`). */
  id: string;
  name: string;
  attempt: number;
  restartCount: number;
  state: ContainerState;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Absolute path of its CRI log file. */
  logPath: string;
  /** `init` containers run before the app containers. */
  isInit: boolean;
  sandboxId: string;
}

/** A pod as the runtime has it. */
export interface PodRuntimeInfo {
  uid: string;
  namespace: string;
  name: string;
  /** The newest sandbox (the one the pod runs in). */
  sandboxId: string;
  sandboxState: PodSandboxState;
  /** Older sandboxes still present (after a sandbox restart). */
  olderSandboxIds: string[];
  /** Every container instance of the pod, newest first. */
  containers: ContainerRuntimeInfo[];
  /** `<dataDir>/pods/<uid>/logs`. */
  logDirectory: string;
}

/** What the kubelet server needs to find pods in the runtime; see the module comment. */
export interface PodRuntimeIndex {
  /** The pod `namespace/name` (the newest pod of that name if several UIDs linger), or undefined. */
  findPod(namespace: string, name: string): Promise<PodRuntimeInfo | undefined>;
  /**
   * The container instance to serve for `namespace/pod` and `container`: the newest instance, or with `previous`
   * the one before it (`kubectl logs --previous`). Without a container name, the pod's only app container.
   */
  findContainer(namespace: string, pod: string, container?: string, opts?: { previous?: boolean }): Promise<ContainerRuntimeInfo | undefined>;
  /** Every pod on the node (the Summary API's inputs: pair with CRI ListPodSandboxStats/ListContainerStats). */
  listPods(): Promise<PodRuntimeInfo[]>;
  /** `<dataDir>/pods/<uid>/logs`. */
  podLogDirectory(uid: string): string;
  /** The pod's own volume directories (emptyDir, configMap, …) with their names, for volume stats. */
  podVolumes(uid: string): { name: string; plugin: string; path: string }[];
}

const ns2ms = (v: string): number => Math.floor(Number(v || 0) / 1e6);

/** A PodRuntimeIndex over a CRI client and the kubelet's data dir. */
export class CriPodRuntimeIndex implements PodRuntimeIndex {
  constructor(private readonly cri: CriClient, private readonly opts: { dataDir: string }) {}

  podLogDirectory(uid: string): string {
    return join(this.opts.dataDir, 'pods', uid, 'logs');
  }

  podVolumes(uid: string): { name: string; plugin: string; path: string }[] {
    const base = join(this.opts.dataDir, 'pods', uid, 'volumes');
    const out = [];
    let plugins: string[] = [];
    try {
      plugins = readdirSync(base);
    } catch {
      return [];
    }
    for (const plugin of plugins) {
      try {
        for (const name of readdirSync(join(base, plugin))) if (!name.startsWith('.')) out.push({ name, plugin, path: join(base, plugin, name) });
      } catch {
        // not a directory
      }
    }
    return out;
  }

  private async build(selector: Record<string, string>): Promise<PodRuntimeInfo[]> {
    const [sandboxes, containers] = await Promise.all([
      this.cri.listPodSandbox({ label_selector: { [MANAGED_LABEL]: 'true', ...selector } }),
      this.cri.listContainers({ label_selector: { [MANAGED_LABEL]: 'true', ...selector } }),
    ]);
    const pods = new Map<string, PodRuntimeInfo & { created: number }>();
    for (const s of [...sandboxes].sort((a, b) => Number(BigInt(b.created_at) - BigInt(a.created_at)))) {
      const uid = s.labels[POD_UID_LABEL] ?? '';
      const p = pods.get(uid);
      if (p) {
        p.olderSandboxIds.push(s.id);
        continue;
      }
      pods.set(uid, {
        uid, namespace: s.labels[POD_NAMESPACE_LABEL] ?? '', name: s.labels[POD_NAME_LABEL] ?? '', sandboxId: s.id, sandboxState: s.state,
        olderSandboxIds: [], containers: [], logDirectory: this.podLogDirectory(uid), created: ns2ms(s.created_at),
      });
    }
    for (const c of containers) {
      const p = pods.get(c.labels[POD_UID_LABEL] ?? '');
      if (!p) continue;
      const name = c.labels[CONTAINER_NAME_LABEL] ?? c.metadata?.name ?? '';
      const attempt = c.metadata?.attempt ?? 0;
      p.containers.push({
        id: c.id, name, attempt, restartCount: Number(c.annotations[RESTART_COUNT_ANNOTATION] ?? 0), state: c.state,
        createdAt: ns2ms(c.created_at), logPath: join(p.logDirectory, name, `${attempt}.log`),
        isInit: c.annotations[CONTAINER_TYPE_ANNOTATION] === 'init', sandboxId: c.pod_sandbox_id,
      });
    }
    const out = [...pods.values()].sort((a, b) => b.created - a.created);
    for (const p of out) p.containers.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    return out.map(({ created: _c, ...p }) => p);
  }

  async findPod(namespace: string, name: string): Promise<PodRuntimeInfo | undefined> {
    return (await this.build({ [POD_NAMESPACE_LABEL]: namespace, [POD_NAME_LABEL]: name }))[0];
  }

  async findContainer(namespace: string, pod: string, container?: string, opts: { previous?: boolean } = {}): Promise<ContainerRuntimeInfo | undefined> {
    const p = await this.findPod(namespace, pod);
    if (!p) return undefined;
    let name = container;
    if (!name) {
      const names = [...new Set(p.containers.filter((c) => !c.isInit).map((c) => c.name))];
      if (names.length !== 1) return undefined;
      name = names[0];
    }
    const list = p.containers.filter((c) => c.name === name);
    return opts.previous ? list[1] : list[0];
  }

  listPods(): Promise<PodRuntimeInfo[]> {
    return this.build({});
  }
}
