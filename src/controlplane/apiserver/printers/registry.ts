/**
 * Which printer prints which resource, keyed `group/resource` (`/pods` for the core group). One explicit map, no
 * registration by import side effect: a resource missing here gets the default NAME / CREATED AT table.
 */
import { daemonSetPrinter, controllerRevisionPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps-printers.js';
import { horizontalPodAutoscalerPrinter } from './autoscaling-printers.js';
import { cronJobPrinter, jobPrinter } from './batch-printers.js';
import { leasePrinter } from './coordination-printers.js';
import {
  componentStatusPrinter, configMapPrinter, endpointsPrinter, namespacePrinter, persistentVolumeClaimPrinter,
  persistentVolumePrinter, podTemplatePrinter, replicationControllerPrinter, resourceQuotaPrinter, secretPrinter,
  serviceAccountPrinter,
} from './core-printers.js';
import { eventPrinter } from './event-printer.js';
import { nodeMetricsPrinter, podMetricsPrinter } from './metrics-printers.js';
import { endpointSlicePrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking-printers.js';
import { nodePrinter } from './node-printer.js';
import { podPrinter } from './pod-printer.js';
import { podDisruptionBudgetPrinter } from './policy-printers.js';
import type { Printer } from './printer.js';
import { roleBindingPrinter } from './rbac-printers.js';
import { priorityClassPrinter } from './scheduling-printers.js';
import { servicePrinter } from './service-printer.js';
import { storageClassPrinter } from './storage-printers.js';

/** The printers, keyed `group/resource`. */
export const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  // core/v1
  ['/componentstatuses', componentStatusPrinter],
  ['/configmaps', configMapPrinter],
  ['/endpoints', endpointsPrinter],
  ['/events', eventPrinter],
  ['/namespaces', namespacePrinter],
  ['/nodes', nodePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/pods', podPrinter],
  ['/podtemplates', podTemplatePrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/services', servicePrinter],
  // apps/v1
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  // others
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['batch/jobs', jobPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['metrics.k8s.io/nodes', nodeMetricsPrinter],
  ['metrics.k8s.io/pods', podMetricsPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
]);
