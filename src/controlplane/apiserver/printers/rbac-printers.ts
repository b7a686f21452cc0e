/**
 * Role bindings and cluster role bindings (rbac.authorization.k8s.io/v1): ROLE as Kind/name, wide USERS GROUPS
 * SERVICEACCOUNTS. Roles and cluster roles have no printer upstream and use the default NAME / CREATED AT table.
 */
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wideColumn, type Printer } from './printer.js';

/** The binding printer, shared by both binding kinds. */
export const roleBindingPrinter: Printer<RoleBinding | ClusterRoleBinding> = {
  columns: [
    NAME_COLUMN,
    column('Role', 'string', 'The bound role, as Kind/name.'),
    AGE_COLUMN,
    wideColumn('Users', 'Users bound to the role.'),
    wideColumn('Groups', 'Groups bound to the role.'),
    wideColumn('ServiceAccounts', 'Service accounts bound to the role, as namespace/name.'),
  ],
  cells(rb, now) {
    const users: string[] = [];
    const groups: string[] = [];
    const sas: string[] = [];
    for (const s of rb.subjects ?? []) {
      if (s.kind === 'User') users.push(s.name);
      else if (s.kind === 'Group') groups.push(s.name);
      else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    }
    return [
      rb.metadata?.name ?? '', `${rb.roleRef?.kind ?? ''}/${rb.roleRef?.name ?? ''}`,
      translateTimestampSince(rb.metadata?.creationTimestamp, now), users.join(', '), groups.join(', '), sas.join(', '),
    ];
  },
};
