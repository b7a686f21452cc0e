/**
 * Every controller the controller manager can run, by the name `--controllers` uses (kube-controller-manager's
 * names). An explicit object literal, one line per controller: add yours here, nowhere else.
 */
import type { ControllerFactory } from './common/controller.js';
import { newDeploymentController } from './deployment/deployment-controller.js';
import { newReplicaSetController, newReplicationController } from './replication/replica-set-controller.js';

/** name → factory. Order does not matter: all controllers start together once the informers have synced. */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  deployment: newDeploymentController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationController,
};
