/**
 * RuntimeCache: the kubelet's view of what runs on the node, rebuilt from the CRI runtime by a relist of every
 * sandbox and container — the generic PLEG, since containerd 1.6 has no events API. A relist costs two list calls;
 * ContainerStatus is asked only for containers that are new or changed state, and PodSandboxStatus only once per
 * sandbox (for its IP), so a steady node relists cheaply.
 *
 * Pods whose runtime state changed between two relists are reported to `onPodChanged`, which is how an exited
 * container reaches its pod's worker within a relist period.
 */
import { isNotFound, type CriClient, type ContainerState, type PodSandboxState } from '../cri/index.js';
import { logger } from '../../util/log.js';
import {
  CGROUP_PARENT_ANNOTATION, CONTAINER_HASH_ANNOTATION, CONTAINER_NAME_LABEL, CONTAINER_TYPE_ANNOTATION, MANAGED_LABEL,
  POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, RESTART_COUNT_ANNOTATION, TERMINATION_MESSAGE_HOST_ANNOTATION,
} from './cri-labels.js';

const log = logger('kubelet');

/** A sandbox of a pod, as last seen. */
export interface RuntimeSandbox {
  id: string;
  podUid: string;
  namespace: string;
  name: string;
  attempt: number;
  state: PodSandboxState;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** The pod IP ('' for host-network pods or before the network is up). */
  ip: string;
  cgroupParent: string;
}

/** A container of a pod, as last seen. Times are ms since the epoch (0 when not reached). */
export interface RuntimeContainer {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  hash: string;
  restartCount: number;
  isInit: boolean;
  /** Absolute path of the CRI log file. */
  logPath: string;
  /** Host file mounted at the termination message path, if any. */
  terminationMessageFile: string;
}

/** Everything of one pod in the runtime; sandboxes and containers newest first. */
export interface RuntimePod {
  uid: string;
  namespace: string;
  name: string;
  sandboxes: RuntimeSandbox[];
  containers: RuntimeContainer[];
}

const ns2ms = (v: string | undefined): number => {
  const n = Number(v ?? 0);
  return n > 0 ? Math.floor(n / 1e6) : 0;
};

/** The relisting cache; see the module comment. */
export class RuntimeCache {
  private sandboxes = new Map<string, RuntimeSandbox>();
  private containers = new Map<string, RuntimeContainer>();
  private pods = new Map<string, RuntimePod>();
  private inflight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** When the last relist finished successfully (ms), for the node's PLEG health. */
  lastRelistMs = 0;
  /** The last relist error, cleared by a success. */
  lastError: unknown;

  constructor(private readonly cri: CriClient, private readonly onPodChanged: (uid: string) => void = () => undefined) {}

  /** The pod's runtime state as of the last relist. */
  pod(uid: string): RuntimePod | undefined {
    return this.pods.get(uid);
  }

  /** Every pod UID the runtime has objects for. */
  podUids(): string[] {
    return [...this.pods.keys()];
  }

  /** Every pod the runtime has objects for. */
  allPods(): RuntimePod[] {
    return [...this.pods.values()];
  }

  /**
   * Resolves after a relist that started at or after this call, so callers see their own writes. Concurrent
   * callers share relists.
   */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.relist().finally(() => { this.inflight = undefined; });
      return this.inflight;
    }
    // One is running but may have listed before our write: queue exactly one more after it.
    this.queued ??= this.inflight.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async relist(): Promise<void> {
    try {
      const [sandboxes, containers] = await Promise.all([
        this.cri.listPodSandbox({ label_selector: { [MANAGED_LABEL]: 'true' } }, { timeoutMs: 10_000 }),
        this.cri.listContainers({ label_selector: { [MANAGED_LABEL]: 'true' } }, { timeoutMs: 10_000 }),
      ]);
      const changed = new Set<string>();
      const nextSandboxes = new Map<string, RuntimeSandbox>();
      await Promise.all(sandboxes.map(async (s) => {
        const prev = this.sandboxes.get(s.id);
        const uid = s.labels[POD_UID_LABEL] ?? s.metadata?.uid ?? '';
        if (prev && prev.state === s.state) {
          nextSandboxes.set(s.id, prev);
          return;
        }
        let ip = prev?.ip ?? '';
        if (s.state === 'SANDBOX_READY' && !prev) {
          try {
            ip = (await this.cri.podSandboxStatus(s.id, { timeoutMs: 10_000 })).status?.network?.ip ?? '';
          } catch (err) {
            if (!isNotFound(err)) throw err;
            return;
          }
        }
        nextSandboxes.set(s.id, {
          id: s.id, podUid: uid, namespace: s.labels[POD_NAMESPACE_LABEL] ?? s.metadata?.namespace ?? '',
          name: s.labels[POD_NAME_LABEL] ?? s.metadata?.name ?? '', attempt: s.metadata?.attempt ?? 0, state: s.state,
          createdAt: ns2ms(s.created_at), ip, cgroupParent: s.annotations[CGROUP_PARENT_ANNOTATION] ?? '',
        });
        changed.add(uid);
      }));
      for (const [id, s] of this.sandboxes) if (!nextSandboxes.has(id)) changed.add(s.podUid);

      const nextContainers = new Map<string, RuntimeContainer>();
      await Promise.all(containers.map(async (c) => {
        const prev = this.containers.get(c.id);
        if (prev && prev.state === c.state) {
          nextContainers.set(c.id, prev);
          return;
        }
        let st;
        try {
          st = (await this.cri.containerStatus(c.id, { timeoutMs: 10_000 })).status;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return;
        }
        if (!st) return;
        const uid = c.labels[POD_UID_LABEL] ?? '';
        const startedAt = ns2ms(st.started_at);
        let finishedAt = ns2ms(st.finished_at);
        // containerd 1.6 may stamp an instant exit's finish before its start.
        if (finishedAt && startedAt && finishedAt < startedAt) finishedAt = startedAt;
        nextContainers.set(c.id, {
          id: c.id, sandboxId: c.pod_sandbox_id, podUid: uid, name: c.labels[CONTAINER_NAME_LABEL] ?? c.metadata?.name ?? '',
          attempt: c.metadata?.attempt ?? 0, state: st.state, createdAt: ns2ms(st.created_at), startedAt, finishedAt,
          exitCode: st.exit_code, reason: st.reason, message: st.message, image: st.image?.image ?? c.image?.image ?? '',
          imageRef: st.image_ref || c.image_ref, hash: c.annotations[CONTAINER_HASH_ANNOTATION] ?? '',
          restartCount: Number(c.annotations[RESTART_COUNT_ANNOTATION] ?? 0), isInit: c.annotations[CONTAINER_TYPE_ANNOTATION] === 'init',
          logPath: st.log_path, terminationMessageFile: c.annotations[TERMINATION_MESSAGE_HOST_ANNOTATION] ?? '',
        });
        changed.add(uid);
      }));
      for (const [id, c] of this.containers) if (!nextContainers.has(id)) changed.add(c.podUid);

      const pods = new Map<string, RuntimePod>();
      const podOf = (uid: string, ns: string, name: string): RuntimePod => {
        let p = pods.get(uid);
        if (!p) pods.set(uid, p = { uid, namespace: ns, name, sandboxes: [], containers: [] });
        return p;
      };
      for (const s of nextSandboxes.values()) podOf(s.podUid, s.namespace, s.name).sandboxes.push(s);
      for (const c of nextContainers.values()) {
        const sb = nextSandboxes.get(c.sandboxId);
        podOf(c.podUid, sb?.namespace ?? '', sb?.name ?? '').containers.push(c);
      }
      for (const p of pods.values()) {
        p.sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
        p.containers.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
      }
      this.sandboxes = nextSandboxes;
      this.containers = nextContainers;
      this.pods = pods;
      this.lastRelistMs = Date.now();
      this.lastError = undefined;
      for (const uid of changed) if (uid) this.onPodChanged(uid);
    } catch (err) {
      this.lastError = err;
      log.warn('runtime relist failed', { err });
      throw err;
    }
  }
}
