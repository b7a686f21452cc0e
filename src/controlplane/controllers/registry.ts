/**
 * Every controller the controller manager can run, by the name `--controllers` uses (kube-controller-manager's
 * names). An explicit object literal, one line per controller: add yours here, nowhere else.
 */
import type { ControllerFactory } from './common/controller.js';
import { newCronJobController } from './cronjob/cronjob-controller.js';
import { newDaemonSetController } from './daemonset/daemonset-controller.js';
import { newDeploymentController } from './deployment/deployment-controller.js';
import { newEndpointsController } from './endpoints/endpoints-controller.js';
import { newEndpointSliceController } from './endpointslice/endpointslice-controller.js';
import { newGarbageCollector } from './garbagecollector/garbage-collector.js';
import { newJobController } from './job/job-controller.js';
import { newNamespaceController } from './namespace/namespace-controller.js';
import { newNodeIpamController } from './nodeipam/node-ipam-controller.js';
import { newNodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.js';
import { newPodGcController } from './podgc/pod-gc-controller.js';
import { newReplicaSetController, newReplicationController } from './replication/replica-set-controller.js';
import { newServiceLbController } from './servicelb/servicelb-controller.js';
import { newStatefulSetController } from './statefulset/statefulset-controller.js';
import { newLocalPathProvisioner } from './volume/local-path-provisioner.js';
import { newPvBinderController } from './volume/pv-binder-controller.js';

/** name → factory. Order does not matter: all controllers start together once the informers have synced. */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  cronjob: newCronJobController,
  daemonset: newDaemonSetController,
  deployment: newDeploymentController,
  endpoint: newEndpointsController,
  endpointslice: newEndpointSliceController,
  garbagecollector: newGarbageCollector,
  job: newJobController,
  'local-path-provisioner': newLocalPathProvisioner,
  namespace: newNamespaceController,
  nodeipam: newNodeIpamController,
  nodelifecycle: newNodeLifecycleController,
  'persistentvolume-binder': newPvBinderController,
  podgc: newPodGcController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationController,
  servicelb: newServiceLbController,
  statefulset: newStatefulSetController,
};
