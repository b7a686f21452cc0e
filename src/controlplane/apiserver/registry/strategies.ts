/**
 * The registry of strategies: one explicit map from resource to its strategy. Resources without special behaviour get
 * the default strategy (with the spec/status split when they have a status subresource).
 */
import type { ResourceInfo } from '../../../api/resources.js';
import type { Obj, Strategy } from './strategy.js';
import { withStatusSubresource } from './status-split.js';
import { podStrategy } from './pods/pod-strategy.js';
import { namespaceStrategy } from './namespaces/namespace-strategy.js';
import { serviceStrategy } from './services/service-strategy.js';
import type { Allocators } from './services/allocator.js';
import { withDefaultClass, type StoreLookup } from './default-class.js';

/** Events live one hour, as kube-apiserver's --event-ttl default. */
const EVENT_TTL_SECONDS = 3600;

function eventStrategy(info: ResourceInfo): Strategy {
  return {
    info,
    ttlSeconds: () => EVENT_TTL_SECONDS,
    fieldValues: (ev: Obj) => {
      const io = ev.involvedObject ?? {};
      return {
        'involvedObject.kind': io.kind ?? '',
        'involvedObject.namespace': io.namespace ?? '',
        'involvedObject.name': io.name ?? '',
        'involvedObject.uid': io.uid ?? '',
        'involvedObject.apiVersion': io.apiVersion ?? '',
        'involvedObject.resourceVersion': io.resourceVersion ?? '',
        'involvedObject.fieldPath': io.fieldPath ?? '',
        reason: ev.reason ?? '',
        reportingComponent: ev.reportingComponent ?? '',
        source: ev.source?.component ?? '',
        type: ev.type ?? '',
      };
    },
  };
}

function nodeStrategy(info: ResourceInfo): Strategy {
  return {
    info,
    fieldValues: (n: Obj) => ({ 'spec.unschedulable': String(n.spec?.unschedulable ?? false) }),
    // The kubelet registers a Node with its status (capacity, addresses), so create keeps status.
    prepareForUpdate(n, old) {
      if (old.status === undefined) delete n.status;
      else n.status = old.status;
    },
  };
}

function replicasFieldStrategy(info: ResourceInfo): Strategy {
  return { ...withStatusSubresource(info), fieldValues: (o: Obj) => ({ 'status.replicas': String(o.status?.replicas ?? 0) }) };
}

/** Builds the strategy of every served resource. */
export function buildStrategies(resources: readonly ResourceInfo[], alloc: Allocators, lookup: StoreLookup): Map<ResourceInfo, Strategy> {
  const special: Record<string, (info: ResourceInfo) => Strategy> = {
    '/pods': podStrategy,
    '/namespaces': namespaceStrategy,
    '/services': (info) => serviceStrategy(info, alloc),
    '/events': eventStrategy,
    '/nodes': nodeStrategy,
    '/secrets': (info) => ({ info, fieldValues: (s: Obj) => ({ type: s.type ?? '' }) }),
    '/replicationcontrollers': replicasFieldStrategy,
    'apps/replicasets': replicasFieldStrategy,
    'batch/jobs': (info) => ({ ...withStatusSubresource(info), fieldValues: (j: Obj) => ({ 'status.successful': String(j.status?.succeeded ?? 0) }) }),
    '/endpoints': (info) => ({ info, allowCreateOnUpdate: true }),
    '/persistentvolumeclaims': (info) => withDefaultClass(withStatusSubresource(info), lookup, 'storage'),
    'networking.k8s.io/ingresses': (info) => withDefaultClass(withStatusSubresource(info), lookup, 'ingress'),
  };
  const out = new Map<ResourceInfo, Strategy>();
  for (const info of resources) {
    const make = special[`${info.group}/${info.resource}`] ?? withStatusSubresource;
    out.set(info, make(info));
  }
  return out;
}
