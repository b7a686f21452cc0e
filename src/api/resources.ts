/**
 * The served resources: group/version/kind ↔ resource, scope, short names, categories, verbs and subresources.
 * Discovery, OpenAPI paths, routing and table printing all read this one table, in this order (discovery order is
 * also the order `kubectl get all` prints in).
 */

/** A subresource such as `pods/status` or `deployments/scale`. */
export interface SubresourceInfo {
  /** e.g. `status`, `scale`, `binding`, `log`, `exec`. */
  name: string;
  /** The kind the subresource speaks (Scale for `scale`, Binding for `binding`, the parent kind for `status`). */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

/** One served resource. */
export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural lower-case name used in URLs, e.g. `deployments`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** The type id in the schema data, e.g. `io.k8s.api.apps.v1.Deployment`. */
  typeId: string;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const GPU = ['get', 'patch', 'update'];

function status(group: string, version: string, kind: string): SubresourceInfo {
  return { name: 'status', group, version, kind, verbs: GPU };
}
function scale(): SubresourceInfo {
  return { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: GPU };
}

function r(
  group: string, version: string, resource: string, kind: string, namespaced: boolean,
  opts: { short?: string[]; all?: boolean; verbs?: string[]; sub?: SubresourceInfo[]; typeId?: string; singular?: string } = {},
): ResourceInfo {
  const pkg = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\.k8s\.io$/, '');
  const idGroup = group === '' ? 'core' : group === 'metrics.k8s.io' ? 'metrics' : pkg.split('.')[0];
  return {
    group, version, resource, kind, namespaced,
    singular: opts.singular ?? kind.toLowerCase(),
    shortNames: opts.short ?? [],
    categories: opts.all ? ['all'] : [],
    verbs: opts.verbs ?? CRUD,
    subresources: opts.sub ?? [],
    typeId: opts.typeId ?? `io.k8s.api.${idGroup}.${version}.${kind}`,
  };
}

/** Every resource kubelite serves, in discovery order. */
export const RESOURCES: readonly ResourceInfo[] = [
  // core/v1
  r('', 'v1', 'bindings', 'Binding', true, { verbs: ['create'] }),
  r('', 'v1', 'componentstatuses', 'ComponentStatus', false, { short: ['cs'], verbs: ['get', 'list'] }),
  r('', 'v1', 'configmaps', 'ConfigMap', true, { short: ['cm'] }),
  r('', 'v1', 'endpoints', 'Endpoints', true, { short: ['ep'], singular: 'endpoints' }),
  r('', 'v1', 'events', 'Event', true, { short: ['ev'] }),
  r('', 'v1', 'limitranges', 'LimitRange', true, { short: ['limits'] }),
  r('', 'v1', 'namespaces', 'Namespace', false, {
    short: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    sub: [{ name: 'finalize', group: '', version: 'v1', kind: 'Namespace', verbs: ['update'] }, status('', 'v1', 'Namespace')],
  }),
  r('', 'v1', 'nodes', 'Node', false, {
    short: ['no'],
    sub: [status('', 'v1', 'Node'), { name: 'proxy', group: '', version: 'v1', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  }),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { short: ['pvc'], sub: [status('', 'v1', 'PersistentVolumeClaim')] }),
  r('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { short: ['pv'], sub: [status('', 'v1', 'PersistentVolume')] }),
  r('', 'v1', 'pods', 'Pod', true, {
    short: ['po'], all: true,
    sub: [
      { name: 'attach', group: '', version: 'v1', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', group: '', version: 'v1', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', group: '', version: 'v1', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      status('', 'v1', 'Pod'),
    ],
  }),
  r('', 'v1', 'podtemplates', 'PodTemplate', true),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController', true, {
    short: ['rc'], all: true, sub: [scale(), status('', 'v1', 'ReplicationController')],
  }),
  r('', 'v1', 'resourcequotas', 'ResourceQuota', true, { short: ['quota'], sub: [status('', 'v1', 'ResourceQuota')] }),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, {
    short: ['sa'], sub: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }],
  }),
  r('', 'v1', 'services', 'Service', true, {
    short: ['svc'], all: true,
    sub: [{ name: 'proxy', group: '', version: 'v1', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, status('', 'v1', 'Service')],
  }),
  // apps/v1
  r('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, { short: ['ds'], all: true, sub: [status('apps', 'v1', 'DaemonSet')] }),
  r('apps', 'v1', 'deployments', 'Deployment', true, { short: ['deploy'], all: true, sub: [scale(), status('apps', 'v1', 'Deployment')] }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, { short: ['rs'], all: true, sub: [scale(), status('apps', 'v1', 'ReplicaSet')] }),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true, { short: ['sts'], all: true, sub: [scale(), status('apps', 'v1', 'StatefulSet')] }),
  // authentication / authorization (virtual, create-only)
  r('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { verbs: ['create'] }),
  r('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false, { verbs: ['create'] }),
  r('authorization.k8s.io', 'v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true, { verbs: ['create'] }),
  r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'] }),
  r('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: ['create'] }),
  r('authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false, { verbs: ['create'] }),
  // autoscaling
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, {
    short: ['hpa'], all: true, sub: [status('autoscaling', 'v2', 'HorizontalPodAutoscaler')],
  }),
  // batch/v1
  r('batch', 'v1', 'cronjobs', 'CronJob', true, { short: ['cj'], all: true, sub: [status('batch', 'v1', 'CronJob')] }),
  r('batch', 'v1', 'jobs', 'Job', true, { all: true, sub: [status('batch', 'v1', 'Job')] }),
  // coordination
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  // discovery
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  // events.k8s.io is served by core/v1 events in kubelite; kubectl uses core/v1.
  // networking
  r('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  r('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { short: ['ing'], sub: [status('networking.k8s.io', 'v1', 'Ingress')] }),
  r('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, { short: ['netpol'] }),
  // policy
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { short: ['pdb'], sub: [status('policy', 'v1', 'PodDisruptionBudget')] }),
  // storage
  r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, { short: ['sc'] }),
  // metrics (read-only, computed from node stats)
  r('metrics.k8s.io', 'v1beta1', 'nodes', 'NodeMetrics', false, { verbs: ['get', 'list'], typeId: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics' }),
  r('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics', true, { verbs: ['get', 'list'], typeId: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics' }),
];

/** Preferred version of each group, in discovery order. */
export const GROUPS: readonly { group: string; versions: string[] }[] = (() => {
  const out: { group: string; versions: string[] }[] = [];
  for (const res of RESOURCES) {
    let g = out.find((x) => x.group === res.group);
    if (!g) out.push((g = { group: res.group, versions: [] }));
    if (!g.versions.includes(res.version)) g.versions.push(res.version);
  }
  return out;
})();

/** Finds a resource by group, version and plural name. */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

/** Finds a resource by group and kind (any version). */
export function findKind(group: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.kind === kind);
}

/** `apps/v1`, or `v1` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
