/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (get and list), which `kubectl top` reads. Upstream a separate
 * metrics-server scrapes every kubelet's Summary API; here the API server asks each node's kubelet for
 * `/stats/summary` when a request comes in, over the same authenticated, fingerprint-pinned connection as logs
 * and exec. Usage is shaped as metrics-server shapes it: cpu in nano-cores ("12345678n"), memory as the working
 * set in binary units ("2804Ki"). Nodes whose kubelet cannot be reached, and pods it reports nothing for, are
 * left out, as metrics-server leaves out what it has no sample of.
 */
import { request as httpRequest } from 'node:http';
import type { HandlerContext } from './context.js';
import { connectKubelet, KUBELET_CERT_ANNOTATION, DEFAULT_KUBELET_PORT, type KubeletClientCreds } from './pod-connect.js';
import { writeJson } from '../http/respond.js';
import { buildFilter, EVERYTHING } from '../registry/selectors.js';
import type { Obj } from '../registry/strategy.js';
import { methodNotSupported, StatusError } from '../../../apimachinery/errors/status-error.js';
import { logger } from '../../../util/log.js';

const log = logger('apiserver');

const API_VERSION = 'metrics.k8s.io/v1beta1';
/** How long one kubelet may take to answer before its node is left out. */
const SUMMARY_TIMEOUT_MS = 5000;
/** The kubelet's cpu sampling interval, reported as the metrics window. */
const WINDOW = '5s';

/** The parts of a kubelet Summary this handler reads. */
interface SummaryUsage {
  time?: string;
  cpu?: { time?: string; usageNanoCores?: number };
  memory?: { time?: string; workingSetBytes?: number };
}
interface Summary {
  node: SummaryUsage & { nodeName: string };
  pods: (SummaryUsage & { podRef: { name: string; namespace: string; uid: string }; containers: (SummaryUsage & { name: string })[] })[];
}

/** CPU as metrics-server serialises it: nano-cores. */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  return n === 0 ? '0' : `${n}n`;
}

/** Memory in the largest binary unit that divides it exactly (a Quantity's canonical BinarySI form). */
export function memoryQuantity(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n === 0) return '0';
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let i = 0;
  while (i < units.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${units[i]}`;
}

function usage(u: SummaryUsage): { cpu: string; memory: string } {
  return { cpu: cpuQuantity(u.cpu?.usageNanoCores ?? 0), memory: memoryQuantity(u.memory?.workingSetBytes ?? 0) };
}

function nodeAddress(node: Obj): string | undefined {
  const addrs: Obj[] = node.status?.addresses ?? [];
  return (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP'))?.address;
}

/** GETs a node's /stats/summary over the pinned kubelet connection; undefined when the node cannot answer. */
async function fetchSummary(node: Obj, creds: KubeletClientCreds): Promise<Summary | undefined> {
  const host = nodeAddress(node);
  const fingerprint: string | undefined = node.metadata.annotations?.[KUBELET_CERT_ANNOTATION];
  if (!host || !fingerprint) return undefined;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? DEFAULT_KUBELET_PORT;
  const target = { host, port, fingerprint, path: '/stats/summary' };
  try {
    const sock = await connectKubelet(target, creds);
    const body = await new Promise<string>((resolve, reject) => {
      // Plain http over the verified socket (no agent, so the socket is used by this request only).
      const req = httpRequest({ host, port, path: target.path, method: 'GET', createConnection: () => sock, timeout: SUMMARY_TIMEOUT_MS }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
    sock.destroy();
    return JSON.parse(body) as Summary;
  } catch (err) {
    log.debug('no summary from kubelet', { node: node.metadata.name, error: (err as Error).message });
    return undefined;
  }
}

function nodeMetrics(node: Obj, s: Summary): Obj {
  return {
    metadata: { name: node.metadata.name, creationTimestamp: new Date().toISOString(), labels: node.metadata.labels ?? {} },
    timestamp: s.node.cpu?.time ?? new Date().toISOString(),
    window: WINDOW,
    usage: usage(s.node),
  };
}

function podMetrics(pod: Obj, s: Summary): Obj | undefined {
  const entry = s.pods.find((p) => p.podRef.namespace === pod.metadata.namespace && p.podRef.name === pod.metadata.name
    && (!p.podRef.uid || p.podRef.uid === pod.metadata.uid));
  // A container without a cpu rate yet (seen once so far) makes the pod "not available yet", as metrics-server.
  if (!entry || entry.containers.length === 0 || entry.containers.some((c) => c.cpu?.usageNanoCores === undefined)) return undefined;
  return {
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: new Date().toISOString(), labels: pod.metadata.labels ?? {} },
    timestamp: entry.cpu?.time ?? entry.containers[0]?.cpu?.time ?? new Date().toISOString(),
    window: WINDOW,
    containers: entry.containers.map((c) => ({ name: c.name, usage: usage(c) })),
  };
}

async function listAll(h: HandlerContext, resource: 'nodes' | 'pods', namespace: string): Promise<Obj[]> {
  const store = h.services.storeFor('', resource);
  const filter = buildFilter(store.strategy, h.query.get('labelSelector') ?? '', h.query.get('fieldSelector') ?? '');
  const page = await store.list({ namespace, filter: filter === EVERYTHING ? undefined : filter });
  return page.items;
}

/** Serves GET and LIST of metrics.k8s.io nodes and pods. */
export async function handleMetrics(h: HandlerContext): Promise<void> {
  const { verb, name, namespace, subresource } = h.request;
  const resource = h.info.resource as 'nodes' | 'pods';
  const gr = { group: 'metrics.k8s.io', resource };
  if ((verb !== 'get' && verb !== 'list') || subresource) throw methodNotSupported(gr, verb);
  const creds = h.services.kubeletClient;
  const notFound = (n: string) => new StatusError(404, 'NotFound', `${resource === 'nodes' ? 'nodemetrics' : 'podmetrics'}.metrics.k8s.io "${n}" not found`,
    { name: n, group: 'metrics.k8s.io', kind: resource });
  const summaries = new Map<string, Promise<Summary | undefined>>();
  const nodeStore = h.services.storeFor('', 'nodes');
  const summaryOf = (nodeName: string): Promise<Summary | undefined> => {
    let p = summaries.get(nodeName);
    if (!p) {
      p = nodeStore.get('', nodeName).then((node) => fetchSummary(node, creds), () => undefined);
      summaries.set(nodeName, p);
    }
    return p;
  };

  if (resource === 'nodes') {
    const nodes = verb === 'get' ? [await nodeStore.get('', name).catch(() => { throw notFound(name); })] : await listAll(h, 'nodes', '');
    const items = (await Promise.all(nodes.map(async (n) => {
      const s = await fetchSummary(n, creds);
      return s && s.node.cpu?.usageNanoCores !== undefined ? nodeMetrics(n, s) : undefined;
    }))).filter((m): m is Obj => !!m);
    if (verb === 'get') {
      if (!items[0]) throw notFound(name);
      return writeJson(h.res, 200, { kind: 'NodeMetrics', apiVersion: API_VERSION, ...items[0] });
    }
    return writeJson(h.res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  }

  const podStore = h.services.storeFor('', 'pods');
  const pods = verb === 'get' ? [await podStore.get(namespace, name).catch(() => { throw notFound(name); })] : await listAll(h, 'pods', namespace);
  const items = (await Promise.all(pods.map(async (p) => {
    const nodeName: string | undefined = p.spec?.nodeName;
    const s = nodeName ? await summaryOf(nodeName) : undefined;
    return s ? podMetrics(p, s) : undefined;
  }))).filter((m): m is Obj => !!m);
  if (verb === 'get') {
    if (!items[0]) throw notFound(name);
    return writeJson(h.res, 200, { kind: 'PodMetrics', apiVersion: API_VERSION, ...items[0] });
  }
  return writeJson(h.res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
}
