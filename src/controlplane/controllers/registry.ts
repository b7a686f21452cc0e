/**
 * Every controller the controller manager can run, by the name `--controllers` uses (kube-controller-manager's
 * names). An explicit object literal, one line per controller: add yours here, nowhere else.
 */
import type { ControllerFactory } from './common/controller.js';
import { newCronJobController } from './cronjob/cronjob-controller.js';
import { newDeploymentController } from './deployment/deployment-controller.js';
import { newEndpointsController } from './endpoints/endpoints-controller.js';
import { newEndpointSliceController } from './endpointslice/endpointslice-controller.js';
import { newGarbageCollector } from './garbagecollector/garbage-collector.js';
import { newJobController } from './job/job-controller.js';
import { newNamespaceController } from './namespace/namespace-controller.js';
import { newReplicaSetController, newReplicationController } from './replication/replica-set-controller.js';
import { newServiceLbController } from './servicelb/servicelb-controller.js';

/** name → factory. Order does not matter: all controllers start together once the informers have synced. */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  cronjob: newCronJobController,
  deployment: newDeploymentController,
  endpoint: newEndpointsController,
  endpointslice: newEndpointSliceController,
  garbagecollector: newGarbageCollector,
  job: newJobController,
  namespace: newNamespaceController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationController,
  servicelb: newServiceLbController,
};
