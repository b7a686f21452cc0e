/**
 * Nodes: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
 *
 * STATUS is `Ready` or `NotReady` from the Ready condition (`Unknown` without one), plus `SchedulingDisabled` for a
 * cordoned node. ROLES come from `node-role.kubernetes.io/<role>` label keys and the older `kubernetes.io/role`
 * label value.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { sortedUnique } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wideColumn, type Printer } from './printer.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/** The node's roles, sorted; empty when it has none. */
export function nodeRoles(node: Node): string[] {
  const roles: string[] = [];
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX)) {
      const role = key.slice(ROLE_PREFIX.length);
      if (role) roles.push(role);
    } else if (key === ROLE_LABEL && value !== '') {
      roles.push(value);
    }
  }
  return sortedUnique(roles);
}

/** `Ready`, `NotReady,SchedulingDisabled`, `Unknown`, … */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

/** The node printer. */
export const nodePrinter: Printer<Node> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    column('Roles', 'string', 'Roles from the node-role.kubernetes.io/ labels.'),
    AGE_COLUMN,
    column('Version', 'string', 'Version of the kubelet.'),
    wideColumn('Internal-IP', 'The first internal address of the node.'),
    wideColumn('External-IP', 'The first external address of the node.'),
    wideColumn('OS-Image', 'The operating system image the node reports.'),
    wideColumn('Kernel-Version', 'The kernel version the node reports.'),
    wideColumn('Container-Runtime', 'The container runtime and its version.'),
  ],
  cells(node, now) {
    const info = node.status?.nodeInfo;
    return [
      node.metadata?.name ?? '', nodeStatus(node), nodeRoles(node).join(',') || '<none>',
      translateTimestampSince(node.metadata?.creationTimestamp, now), info?.kubeletVersion ?? '',
      address(node, 'InternalIP'), address(node, 'ExternalIP'),
      info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};
