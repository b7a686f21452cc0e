/**
 * The public surface of the API client, for components: `import { Client, SharedInformerFactory, … } from
 * '../../client/index.js'`. The fake API server for tests is deliberately not re-exported (import
 * `client/testing/fake-api-server.js` from tests).
 */
export { Client } from './client.js';
export { EventRecorder, AGGREGATION_WINDOW_MS, referenceTo, type EventRecorderOptions, type EventType } from './event-recorder.js';
export { HttpTransport, DEFAULT_MAX_SOCKETS } from './http-transport.js';
export { DeletedFinalStateUnknown, Informer, objectOf, type EventHandlers, type InformerOptions } from './informer.js';
export { loadKubeconfig, parseKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
export {
  KUBE_CONTROLLER_MANAGER_LEASE, KUBE_SCHEDULER_LEASE, LeaderElector, microTime, type LeaderElectionOptions,
} from './leader-election.js';
export { Lister, type ObjectSelector } from './lister.js';
export type { DeleteOptions, ListOptions, PatchOptions, Preconditions, WriteOptions } from './options.js';
export {
  BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, type RateLimiter,
} from './rate-limiter.js';
export {
  PATCH_CONTENT_TYPES, ResourceClient, type KubeObject, type ObjectList, type PatchType, type Scale, type SubresourceClient,
} from './resource-client.js';
export { resourcePath, type ResourceRef } from './resource-path.js';
export { RestClient, statusErrorFrom, type RequestOptions, type RestClientOptions } from './rest-client.js';
export type { RestConfig } from './rest-config.js';
export { SharedInformerFactory, type InformerSelection, type SharedInformerFactoryOptions } from './shared-informer-factory.js';
export {
  indexByNamespace, indexByNodeName, keyOf, NAMESPACE_INDEX, NODE_NAME_INDEX, objectKey, splitKey, Store, type IndexFunc, type Indexers,
} from './store.js';
export { readBody, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
export { isExpired, WatchExpiredError, WatchStream, type WatchEvent, type WatchEventType } from './watch.js';
export { DelayingQueue, RateLimitingQueue, runWorkers, WorkQueue, type RunWorkersOptions } from './workqueue.js';
