/**
 * The Endpoints controller, as kube-controller-manager's pkg/controller/endpoint: for every Service with a selector
 * it keeps an Endpoints object of the same name listing the selected pods — ready pods under `addresses`, the others
 * under `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses) — with each Service port resolved
 * per pod (named target ports), the pod's hostname when its subdomain names the Service, nodeName and targetRef.
 *  - Services without a selector, and ExternalName Services, are left alone: their Endpoints belong to the user.
 *  - A deleted Service takes its Endpoints with it; at start every existing Endpoints is checked once, so ones
 *    orphaned while the controller was down are removed too.
 *  - `sync(key)` is level-based: it computes the subsets from the caches and writes only when they differ.
 *  - After an update the replaced resourceVersion is remembered; a sync that still sees it in the cache waits
 *    (requeues) instead of writing over its own change from a stale cache (upstream staleEndpointsTracker).
 */
import type { Endpoints, EndpointAddress, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { sameObject } from '../common/canonical-json.js';
import { isNotFound } from '../common/controller-ref.js';
import { isPodReady } from '../common/pods.js';
import { clientOf, ENDPOINTS, informerOf, PODS, SERVICES } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import {
  findPort, HEADLESS_LABEL, isIPv6, isServiceIPSet, podIPs, podsForService, serviceKeysForPod, serviceKeysForPodUpdate, shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../common/endpoint-util.js';
import { OVER_CAPACITY_ANNOTATION, repackSubsets, truncateSubsets } from './repack-subsets.js';

const log = logger('endpoint-controller');

/** Annotation of leader-election Endpoints, which have no Service and must never be removed. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/**
 * The address a pod contributes to a Service (upstream podToEndpointAddressForService): the pod IP of the
 * Service's primary family (ipFamilies[0], else the ClusterIP's family; a headless Service without families takes
 * the pod's first IP). Undefined if the pod has no IP of that family.
 */
export function podAddressForService(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ips = podIPs(pod);
  let ip: string | undefined;
  const family = svc.spec?.ipFamilies?.[0] ?? (isServiceIPSet(svc) ? (isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4') : undefined);
  if (family) ip = ips.find((i) => isIPv6(i) === (family === 'IPv6'));
  else ip = ips[0];
  if (!ip) return undefined;
  const addr: EndpointAddress = {
    ip,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname;
  return addr;
}

/** The packed subsets the Service's selected pods make (before truncation). */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const raw: EndpointSubset[] = [];
  const servicePorts = svc.spec?.ports ?? [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = podAddressForService(svc, pod);
    if (!addr) continue;
    const ready = tolerateUnready || isPodReady(pod);
    const subset = (ports: EndpointSubset['ports']): EndpointSubset => (ready ? { addresses: [addr], ports } : { notReadyAddresses: [addr], ports });
    if (servicePorts.length === 0) {
      // A headless Service may have no ports; its endpoints are then bare addresses.
      if (svc.spec?.clusterIP === 'None') raw.push(subset([]));
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      raw.push(subset([{ name: sp.name || undefined, port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) }]));
    }
  }
  return repackSubsets(raw);
}

/** Keeps an Endpoints object per selector Service. */
export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  readonly queue: RateLimitingQueue<string>;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly client: ResourceClient<Endpoints>;
  private readonly recorder: EventRecorder;
  /** key → resourceVersion this controller replaced; the cache must move past it before the next write. */
  private readonly staleVersions = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.services = informerOf<Service>(ctx.informers, SERVICES);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.endpoints = informerOf<Endpoints>(ctx.informers, ENDPOINTS);
    this.client = clientOf<Endpoints>(ctx.client, ENDPOINTS);
    this.recorder = ctx.recorder('endpoint-controller');
    this.services.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (_old, cur) => this.queue.add(objectKey(cur)),
      onDelete: (s) => this.queue.add(objectKey(objectOf(s))),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueAll(serviceKeysForPod(this.services.lister, p)),
      onUpdate: (old, cur) => this.enqueueAll(serviceKeysForPodUpdate(this.services.lister, old, cur)),
      onDelete: (p) => this.enqueueAll(serviceKeysForPod(this.services.lister, objectOf(p))),
    });
    // A deleted Endpoints object is recreated if its Service still wants one.
    this.endpoints.addEventHandler({ onDelete: (e) => this.queue.add(objectKey(objectOf(e))) });
  }

  private enqueueAll(keys: string[]): void {
    for (const k of keys) this.queue.add(k);
  }

  /** Runs the workers until `signal` aborts, after queueing every existing Endpoints once (leftover check). */
  run(signal: AbortSignal): Promise<void> {
    for (const ep of this.endpoints.lister.list()) {
      if (ep.metadata?.annotations?.[LEADER_ANNOTATION] === undefined) this.queue.add(objectKey(ep));
    }
    return runQueue(this.queue, (key) => this.sync(key), { name: 'endpoint-controller', workers: this.ctx.workers, signal });
  }

  /** Brings the Endpoints of the Service under `key` in line with its pods. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      this.staleVersions.delete(key);
      const ep = this.endpoints.lister.get(namespace, name);
      if (ep?.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) return;
      try {
        await this.client.namespace(namespace).delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;

    const subsets = desiredSubsets(svc, podsForService(this.pods.lister, svc));
    const current = this.endpoints.lister.get(namespace, name);
    if (current && this.staleVersions.get(key) === current.metadata?.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date: resourceVersion ${current.metadata?.resourceVersion} of ${key} was already replaced`);
    }
    this.staleVersions.delete(key);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
    else labels[HEADLESS_LABEL] = '';
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];

    if (current && sameObject(current.subsets, subsets) && sameObject(current.metadata?.labels, labels) &&
      sameObject(current.metadata?.annotations, annotations)) {
      return;
    }
    const next: Endpoints = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    next.subsets = subsets;
    next.metadata!.labels = labels;
    next.metadata!.annotations = Object.keys(annotations).length ? annotations : undefined;
    try {
      if (!current) {
        await this.client.namespace(namespace).create(next);
      } else {
        const updated = await this.client.namespace(namespace).update(next);
        if (updated.metadata?.resourceVersion !== current.metadata?.resourceVersion) this.staleVersions.set(key, current.metadata?.resourceVersion ?? '');
      }
    } catch (err) {
      // A terminating namespace refuses creations for good; nothing to retry (as upstream).
      if (!current && /because it is being terminated/.test(String((err as Error).message))) return;
      const verb = current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint';
      const what = current ? `Failed to update endpoint ${key}` : `Failed to create endpoint for service ${key}`;
      this.recorder.event(next, 'Warning', verb, `${what}: ${(err as Error).message}`);
      throw err;
    }
    log.debug('endpoints written', { service: key, subsets: subsets.length });
  }
}

/** The `endpoint` controller factory for registry.ts. */
export function newEndpointsController(ctx: ControllerContext): EndpointsController {
  return new EndpointsController(ctx);
}
