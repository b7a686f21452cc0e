/**
 * Packing of Endpoints subsets, as upstream's endpoints.RepackSubsets: the controller emits one subset per
 * (address, port) pair; this regroups them so that each subset lists the addresses sharing exactly one set of
 * ports, and sorts everything, so the same pods always produce byte-identical subsets (no spurious updates).
 * Also the 1000-address cap with its proportional truncation (upstream truncateEndpoints).
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';

/** Most addresses (ready + not ready) one Endpoints object carries; beyond it the object is truncated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;

/** Annotation marking a truncated Endpoints object (value `truncated`). */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

function addressKey(a: EndpointAddress): string {
  return `${a.ip}|${a.targetRef?.uid ?? ''}`;
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}|${p.port}|${p.protocol ?? 'TCP'}|${p.appProtocol ?? ''}`;
}

/** Orders IPs numerically within a family (IPv4 before IPv6), as upstream's byte comparison of parsed IPs. */
function compareIPs(a: string, b: string): number {
  const num = (ip: string) => ip.includes(':') ? ip : ip.split('.').map((o) => o.padStart(3, '0')).join('.');
  const fa = a.includes(':') ? 1 : 0;
  const fb = b.includes(':') ? 1 : 0;
  if (fa !== fb) return fa - fb;
  const na = num(a);
  const nb = num(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareIPs(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || (a.protocol ?? '').localeCompare(b.protocol ?? '');
}

/**
 * Regroups `subsets` by identical port sets and sorts addresses (by IP, then pod uid), ports and subsets. An
 * address listed both ready and not ready ends up ready. Subsets without ports (a headless Service without ports)
 * are kept as a portless subset.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>();
  // port key (or '' for "no ports") → address key → ready
  const byPort = new Map<string, { port?: EndpointPort; ready: Map<string, boolean> }>();
  const note = (port: EndpointPort | undefined, list: readonly EndpointAddress[] | undefined, ready: boolean) => {
    const pk = port ? portKey(port) : '';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    for (const a of list ?? []) {
      const ak = addressKey(a);
      addrs.set(ak, addrs.get(ak) ?? a);
      if (ready) entry.ready.set(ak, true);
      else if (!entry.ready.has(ak)) entry.ready.set(ak, false);
    }
  };
  for (const s of subsets) {
    const ports = s.ports?.length ? s.ports : [undefined];
    for (const p of ports) {
      note(p, s.addresses, true);
      note(p, s.notReadyAddresses, false);
    }
  }
  // address-set signature → ports offered by exactly that set
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    if (ready.size === 0) continue;
    const sig = [...ready].map(([k, r]) => `${k}=${r}`).sort().join(',');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { ready, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.ready) (r ? ready : notReady).push(addrs.get(k)!);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (g.ports.length) subset.ports = g.ports.sort(comparePorts);
    out.push(subset);
  }
  const first = (s: EndpointSubset) => (s.addresses ?? s.notReadyAddresses ?? [])[0];
  return out.sort((a, b) => compareAddresses(first(a), first(b)) ||
    (a.ports ?? []).map(portKey).join(',').localeCompare((b.ports ?? []).map(portKey).join(',')));
}

/**
 * Cuts subsets to {@link MAX_ENDPOINTS_CAPACITY} addresses (upstream truncateEndpoints): not-ready addresses go
 * first; if the ready ones alone exceed the cap, every subset keeps a share proportional to its size. Returns
 * whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], capacity = MAX_ENDPOINTS_CAPACITY): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= capacity) return false;
  const truncateReady = totalReady > capacity;
  const max = truncateReady ? capacity : capacity - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toAdd = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, toAdd);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toAdd);
      canBeAdded -= s.notReadyAddresses.length;
    }
  }
  return true;
}
