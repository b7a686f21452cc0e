/**
 * Binding a pod to a node (`POST pods/NAME/binding`, or the legacy `POST bindings`): the only way the scheduler
 * writes. As kube-apiserver's assignPod: sets spec.nodeName once (409 if already bound) and the PodScheduled
 * condition, and answers a Success Status.
 */
import type { HandlerContext } from './context.js';
import type { Obj } from '../registry/strategy.js';
import { readObject } from './body.js';
import { isDryRun } from './write.js';
import { writeJson } from '../http/respond.js';
import { conflict, invalid, notFound } from '../../../apimachinery/errors/status-error.js';
import { rfc3339 } from '../registry/object-meta.js';

/** `POST …/pods/NAME/binding` and `POST …/bindings`. */
export async function handleBinding(h: HandlerContext): Promise<void> {
  const binding = await readObject(h, { group: '', version: 'v1', kind: 'Binding' }, []);
  const podName: string = h.request.name || binding.metadata?.name;
  if (h.request.name && binding.metadata?.name && binding.metadata.name !== h.request.name) {
    throw invalid('Binding', '', binding.metadata.name, [{ type: 'FieldValueInvalid', field: 'metadata.name', detail: `Invalid value: "${binding.metadata.name}": must match the pod name "${h.request.name}"` }]);
  }
  const node: string | undefined = binding.target?.name;
  if (!node) throw invalid('Binding', '', podName ?? '', [{ type: 'FieldValueRequired', field: 'target.name', detail: 'Required value' }]);
  const pods = h.services.storeFor('', 'pods');
  const uid = binding.metadata?.uid;
  await pods.update(h.request.namespace, podName, async (pod) => {
    if (!pod) throw notFound(pods.gr, podName);
    if (uid && pod.metadata.uid !== uid) throw conflict(pods.gr, podName, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
    if (pod.metadata.deletionTimestamp) throw conflict(pods.gr, podName, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw conflict(pods.gr, podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = node;
    const conditions: Obj[] = (pod.status.conditions ??= []);
    const now = rfc3339(h.ctx.now);
    const i = conditions.findIndex((c) => c.type === 'PodScheduled');
    const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
    if (i >= 0) conditions[i] = cond;
    else conditions.push(cond);
    if (binding.metadata?.annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...binding.metadata.annotations };
    return { obj: pod, unconditional: true };
  }, { dryRun: isDryRun(h.query), fieldManager: 'kube-scheduler', subresource: 'binding' }, h.ctx);
  writeJson(h.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
