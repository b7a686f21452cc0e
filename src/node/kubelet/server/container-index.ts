/**
 * How the kubelet's server finds a pod's sandbox and containers on this node. The server only needs this small
 * contract; the default implementation reads it straight from the runtime (CRI sandbox and container metadata:
 * pod name and namespace, container name and attempt), so it works for any kubelet that creates pods through CRI
 * the way upstream does. A kubelet with its own pod cache can pass a faster implementation.
 */
import type { CriClient } from '../../cri/index.js';
import type { PodRuntimeIndex } from '../runtime-index.js';

/** A pod's sandbox on this node. */
export interface SandboxRef {
  id: string;
  uid: string;
  ready: boolean;
}

/** One attempt of a container. */
export interface ContainerRef {
  id: string;
  sandboxId: string;
  attempt: number;
  running: boolean;
  /** Absolute path of the CRI log file ('' when the runtime keeps none). */
  logPath: string;
}

/** Finds pods and containers by their Kubernetes names. */
export interface ContainerIndex {
  /** The pod's current sandbox (a ready one if any), or undefined when the pod does not run here. */
  sandbox(namespace: string, pod: string): Promise<SandboxRef | undefined>;
  /** The container's attempts in the current sandbox, newest first; empty when it has not been created. */
  containers(namespace: string, pod: string, container: string): Promise<ContainerRef[]>;
}

/** A {@link ContainerIndex} that asks the runtime on every call. */
export class CriContainerIndex implements ContainerIndex {
  constructor(private readonly runtime: CriClient) {}

  async sandbox(namespace: string, pod: string): Promise<SandboxRef | undefined> {
    const all = (await this.runtime.listPodSandbox())
      .filter((s) => s.metadata?.namespace === namespace && s.metadata?.name === pod)
      .sort((a, b) => Number(BigInt(b.created_at) - BigInt(a.created_at)));
    const pick = all.find((s) => s.state === 'SANDBOX_READY') ?? all[0];
    return pick ? { id: pick.id, uid: pick.metadata?.uid ?? '', ready: pick.state === 'SANDBOX_READY' } : undefined;
  }

  async containers(namespace: string, pod: string, container: string): Promise<ContainerRef[]> {
    const sb = await this.sandbox(namespace, pod);
    if (!sb) return [];
    const found = (await this.runtime.listContainers({ pod_sandbox_id: sb.id }))
      .filter((c) => c.metadata?.name === container)
      .sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || Number(BigInt(b.created_at) - BigInt(a.created_at)));
    return Promise.all(found.map(async (c) => {
      let logPath = '';
      try {
        logPath = (await this.runtime.containerStatus(c.id)).status?.log_path ?? '';
      } catch {
        // removed meanwhile: no log
      }
      return { id: c.id, sandboxId: sb.id, attempt: c.metadata?.attempt ?? 0, running: c.state === 'CONTAINER_RUNNING', logPath };
    }));
  }
}

/**
 * Adapts the kubelet core's PodRuntimeIndex (pods found by the CRI labels the kubelet sets) to this contract, so
 * the server sees exactly the pods the kubelet runs, including containers left in an older sandbox.
 */
export class PodRuntimeIndexAdapter implements ContainerIndex {
  constructor(private readonly index: PodRuntimeIndex) {}

  async sandbox(namespace: string, pod: string): Promise<SandboxRef | undefined> {
    const p = await this.index.findPod(namespace, pod);
    return p ? { id: p.sandboxId, uid: p.uid, ready: p.sandboxState === 'SANDBOX_READY' } : undefined;
  }

  async containers(namespace: string, pod: string, container: string): Promise<ContainerRef[]> {
    const p = await this.index.findPod(namespace, pod);
    if (!p) return [];
    return p.containers.filter((c) => c.name === container).map((c) => ({
      id: c.id, sandboxId: c.sandboxId, attempt: c.attempt, running: c.state === 'CONTAINER_RUNNING', logPath: c.logPath,
    }));
  }
}
