/** Defaults for networking.k8s.io/v1: NetworkPolicy port protocol TCP and policyTypes. Ingress has none (pathType is required). */
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';

/** NetworkPolicy: ports default to TCP; policyTypes default to Ingress, plus Egress when egress rules exist. */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = (np.spec ??= { podSelector: {} });
  for (const r of spec.ingress ?? []) for (const p of r.ports ?? []) p.protocol ||= 'TCP';
  for (const r of spec.egress ?? []) for (const p of r.ports ?? []) p.protocol ||= 'TCP';
  if (!spec.policyTypes || spec.policyTypes.length === 0) {
    spec.policyTypes = spec.egress && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}
