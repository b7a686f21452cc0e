/**
 * PodControl, as kube-controller-manager's RealPodControl: the writes a workload controller makes on pods, each
 * reported as an Event on the owner (`SuccessfulCreate` "Created pod: web-x2k9f", `FailedCreate`,
 * `SuccessfulDelete`, `FailedDelete`). Pods are made from the owner's template with a controller ownerReference and
 * `generateName: <owner>-`, so the API server picks unique names and a retried create never collides.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Client, EventRecorder, KubeObject, ResourceClient } from '../../../client/index.js';
import { clientOf, PODS } from './resources.js';

/** Options of a pod creation. */
export interface CreatePodOptions {
  /** Overrides `<owner name>-`. */
  generateName?: string;
  /** A fixed name instead of a generated one (StatefulSet). */
  name?: string;
  /** Pre-binds the pod (DaemonSet without the scheduler). */
  nodeName?: string;
  /** Extra labels/annotations merged over the template's. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Extra finalizers (Job tracking). */
  finalizers?: string[];
}

/** The generateName prefix for pods of a controller named `name` (upstream getPodsPrefix). */
export function podsPrefix(name: string): string {
  return `${name}-`;
}

/** A pod built from `template` for `owner` (upstream GetPodFromTemplate). Throws if the template has no labels. */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference | undefined, opts: CreatePodOptions = {}): Pod {
  const tm = template.metadata ?? {};
  const labels = { ...(tm.labels ?? {}), ...(opts.labels ?? {}) };
  if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      namespace: owner.metadata?.namespace,
      labels,
      ...(tm.annotations || opts.annotations ? { annotations: { ...(tm.annotations ?? {}), ...(opts.annotations ?? {}) } } : {}),
      ...(tm.finalizers || opts.finalizers ? { finalizers: [...(tm.finalizers ?? []), ...(opts.finalizers ?? [])] } : {}),
      ...(opts.name ? { name: opts.name } : { generateName: opts.generateName ?? podsPrefix(owner.metadata?.name ?? '') }),
      ...(controllerRef ? { ownerReferences: [controllerRef] } : {}),
    },
    spec: structuredClone(template.spec ?? { containers: [] }),
  };
  if (opts.nodeName) pod.spec!.nodeName = opts.nodeName;
  return pod;
}

/** Creates and deletes pods on behalf of a controller, recording events on the owner. */
export class PodControl {
  private readonly pods: ResourceClient<Pod>;

  constructor(client: Client, private readonly recorder: EventRecorder) {
    this.pods = clientOf<Pod>(client, PODS);
  }

  /** Creates one pod from `template` owned by `owner`; resolves to the created pod. */
  async createPod(template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference | undefined, opts: CreatePodOptions = {}): Promise<Pod> {
    const namespace = owner.metadata?.namespace ?? '';
    let created: Pod;
    try {
      created = await this.pods.namespace(namespace).create(podFromTemplate(template, owner, controllerRef, opts));
    } catch (err) {
      this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
    this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    return created;
  }

  /** Deletes pod `name` in the owner's namespace. A pod already gone rejects with the 404 (callers usually ignore it). */
  async deletePod(name: string, owner: KubeObject, opts: { uid?: string } = {}): Promise<void> {
    const namespace = owner.metadata?.namespace ?? '';
    try {
      await this.pods.namespace(namespace).delete(name, opts.uid ? { preconditions: { uid: opts.uid } } : {});
    } catch (err) {
      this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
    this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /** Merge-patches pod `name` in `namespace` (labels, ownerReferences, finalizers). */
  patchPod(namespace: string, name: string, patch: unknown): Promise<Pod> {
    return this.pods.namespace(namespace).patch(name, patch, 'merge');
  }
}
