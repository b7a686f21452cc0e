/**
 * Services: ClusterIP and NodePort allocation on create and update, release on delete, and the fields kube-apiserver
 * carries over or drops when a Service changes type (its service REST storage).
 */
import type { FieldError } from '../../../../apimachinery/errors/status-error.js';
import { invalid } from '../../../../apimachinery/errors/status-error.js';
import type { ResourceInfo } from '../../../../api/resources.js';
import type { Obj, RequestContext, Strategy } from '../strategy.js';
import type { Allocators } from './allocator.js';
import { ipToNumber, ipToString } from './allocator.js';

const NEEDS_NODE_PORTS = new Set(['NodePort', 'LoadBalancer']);

function hasClusterIP(svc: Obj): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

/** What one request allocated, so that a failed or dry-run write can give it back. */
interface Allocation {
  ip?: number;
  ports: number[];
}

/** Builds the Service strategy over the server's allocators. */
export function serviceStrategy(info: ResourceInfo, alloc: Allocators): Strategy {
  const pending = new WeakMap<Obj, Allocation>();

  async function giveBack(a: Allocation | undefined): Promise<void> {
    if (!a) return;
    if (a.ip !== undefined) await alloc.clusterIPs.release(a.ip);
    for (const p of a.ports) await alloc.nodePorts.release(p);
  }

  async function allocate(svc: Obj, old: Obj | undefined): Promise<void> {
    const name = svc.metadata.name;
    const owner = `${svc.metadata.namespace}/${name}`;
    const spec = svc.spec ?? (svc.spec = {});
    const a: Allocation = { ports: [] };
    pending.set(svc, a);
    const errs: FieldError[] = [];
    try {
      // Cluster IP.
      if (hasClusterIP(svc)) {
        // An update that omitted the IP got it back from the update defaults (preserveServiceAllocations).
        const oldIP = old && hasClusterIP(old) ? old.spec.clusterIP : undefined;
        if (spec.clusterIP && spec.clusterIP === oldIP) {
          // Unchanged: already ours.
        } else if (spec.clusterIP) {
          const n = ipToNumber(spec.clusterIP);
          const why = n === undefined ? 'out-of-range' : await alloc.clusterIPs.allocate(n, owner);
          if (why === undefined) a.ip = n;
          else {
            const reason = why === 'taken' ? 'provided IP is already allocated'
              : `provided IP is not in the valid range. The range of valid IPs is ${alloc.serviceCidr.text}`;
            errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: ${reason}` });
          }
        } else {
          const n = await alloc.clusterIPs.allocateNext(owner);
          if (n === undefined) {
            errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: []string{}: failed to allocate IP: range is full` });
          } else {
            a.ip = n;
            spec.clusterIP = ipToString(n);
          }
        }
        if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
      } else if (spec.clusterIP === 'None') {
        spec.clusterIPs = ['None'];
      } else {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      // Node ports.
      const ports: Obj[] = spec.ports ?? [];
      if (NEEDS_NODE_PORTS.has(spec.type) && !(spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === false)) {
        const oldPorts: Obj[] = old && NEEDS_NODE_PORTS.has(old.spec?.type) ? (old.spec.ports ?? []) : [];
        const oldSet = new Set(oldPorts.map((p) => p.nodePort));
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i];
          if (p.nodePort && oldSet.has(p.nodePort)) continue;
          if (p.nodePort) {
            const why = await alloc.nodePorts.allocate(p.nodePort, owner);
            if (why === undefined) a.ports.push(p.nodePort);
            else {
              const r = alloc.nodePortRange;
              const reason = why === 'taken' ? 'provided port is already allocated'
                : `provided port is not in the valid range. The range of valid ports is ${r.first}-${r.last}`;
              errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: `Invalid value: ${p.nodePort}: ${reason}` });
            }
          } else {
            const n = await alloc.nodePorts.allocateNext(owner);
            if (n === undefined) errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: 'Invalid value: 0: range is full' });
            else {
              a.ports.push(n);
              p.nodePort = n;
            }
          }
        }
      } else {
        // As kube-apiserver's dropTypeDependentFields: a Service that no longer needs node ports loses them.
        for (const p of ports) delete p.nodePort;
      }
    } catch (err) {
      await giveBack(a);
      pending.delete(svc);
      throw err;
    }
    if (errs.length > 0) {
      await giveBack(a);
      pending.delete(svc);
      throw invalid('Service', '', name, errs);
    }
  }

  function held(svc: Obj | undefined): Allocation {
    const a: Allocation = { ports: [] };
    if (!svc) return a;
    if (hasClusterIP(svc) && svc.spec?.clusterIP) a.ip = ipToNumber(svc.spec.clusterIP);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) a.ports.push(p.nodePort);
    return a;
  }

  return {
    info,
    fieldValues: (obj) => ({ 'spec.clusterIP': obj.spec?.clusterIP ?? '', 'spec.type': obj.spec?.type ?? '' }),
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      obj.status = old.status;
    },
    async beforeStore(obj, old, ctx: RequestContext) {
      await allocate(obj, old);
      if (ctx.dryRun) return;
    },
    async rollback(obj) {
      await giveBack(pending.get(obj));
      pending.delete(obj);
    },
    async afterUpdate(obj, old) {
      pending.delete(obj);
      const now = held(obj);
      const before = held(old);
      if (before.ip !== undefined && before.ip !== now.ip) await alloc.clusterIPs.release(before.ip);
      for (const p of before.ports) if (!now.ports.includes(p)) await alloc.nodePorts.release(p);
    },
    async afterDelete(obj) {
      await giveBack(held(obj));
    },
  };
}
