/**
 * A small fixture of type data for the OpenAPI tests: Pod, Deployment and Scale with the apimachinery types they
 * use, in the SchemaFile format of src/api/schema/model.ts. It stays independent of the real data so the tests pin
 * the builders' behaviour; field names, numbers and patch markers follow Kubernetes.
 */
import type { FieldSchema, SchemaFile, TypeSchema } from '../../../api/schema/model.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';

function f(name: string, number: number, type: string, description: string, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, number, type, description, ...extra };
}

function t(id: string, description: string, fields: FieldSchema[], extra: Partial<TypeSchema> = {}): TypeSchema {
  return { id, description, fields, ...extra };
}

/** Description of Container.livenessProbe, asserted by the tests. */
export const LIVENESS_DESCRIPTION = 'Periodic check that the container is alive; the kubelet restarts it when the check fails.';

const metaFile: SchemaFile = {
  protoPackage: 'k8s.io.apimachinery.pkg.apis.meta.v1',
  idPrefix: META,
  types: [
    t(`${META}.ObjectMeta`, 'Metadata every persisted object has.', [
      f('name', 1, 'string', 'Name, unique within its namespace.'),
      f('generateName', 2, 'string', 'Prefix for a server-generated name.'),
      f('namespace', 3, 'string', 'The namespace the object lives in.'),
      f('uid', 5, 'string', 'Unique id of this incarnation of the object.'),
      f('resourceVersion', 6, 'string', 'Opaque version for optimistic concurrency and watches.'),
      f('generation', 7, 'int64', 'Sequence number of spec changes.'),
      f('creationTimestamp', 8, `${META}.Time`, 'When the object was created.'),
      f('labels', 11, 'string', 'Key/value pairs for selecting objects.', { map: true }),
      f('annotations', 12, 'string', 'Key/value pairs for tools; not used for selection.', { map: true }),
      f('finalizers', 14, 'string', 'Conditions to meet before the object is deleted.', { repeated: true, patchStrategy: 'merge', listType: 'set' }),
    ]),
    t(`${META}.ListMeta`, 'Metadata of a list.', [
      f('resourceVersion', 2, 'string', 'The version the list was read at.'),
      f('continue', 3, 'string', 'Token to fetch the next page.'),
    ]),
    t(`${META}.LabelSelector`, 'A label query.', [
      f('matchLabels', 1, 'string', 'Labels that must all match.', { map: true }),
    ], { structType: 'atomic' }),
    t(`${META}.Status`, 'The result of an operation that returns no object.', [
      f('metadata', 1, `${META}.ListMeta`, 'List metadata.'),
      f('status', 2, 'string', 'Success or Failure.'),
      f('message', 3, 'string', 'Human-readable description.'),
      f('reason', 4, 'string', 'Machine-readable reason.'),
      f('code', 6, 'int32', 'HTTP status code.'),
    ], { gvk: [{ group: '', version: 'v1', kind: 'Status' }] }),
    t(`${META}.DeleteOptions`, 'Options of a delete request.', [
      f('gracePeriodSeconds', 1, 'int64', 'Seconds before deletion.'),
      f('propagationPolicy', 4, 'string', 'Orphan, Background or Foreground.'),
    ]),
    t(`${META}.Time`, 'A timestamp in RFC 3339 form, to the second.', [], { special: 'time' }),
  ],
};

const miscFiles: SchemaFile[] = [
  {
    protoPackage: 'k8s.io.apimachinery.pkg.api.resource', idPrefix: 'io.k8s.apimachinery.pkg.api.resource',
    types: [t('io.k8s.apimachinery.pkg.api.resource.Quantity', 'A decimal amount with an optional unit suffix, such as 100m or 1Gi.', [], { special: 'quantity' })],
  },
  {
    protoPackage: 'k8s.io.apimachinery.pkg.util.intstr', idPrefix: 'io.k8s.apimachinery.pkg.util.intstr',
    types: [t('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'Either an integer or a string.', [], { special: 'int-or-string' })],
  },
  {
    protoPackage: 'k8s.io.apimachinery.pkg.runtime', idPrefix: 'io.k8s.apimachinery.pkg.runtime',
    types: [t('io.k8s.apimachinery.pkg.runtime.RawExtension', 'An embedded object of any kind.', [], { special: 'raw-extension' })],
  },
];

const containerPorts = f('ports', 6, `${CORE}.ContainerPort`, 'Ports the container exposes.', {
  repeated: true, patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'],
});

const coreFile: SchemaFile = {
  protoPackage: 'k8s.io.api.core.v1',
  idPrefix: CORE,
  types: [
    t(`${CORE}.Pod`, 'A group of containers scheduled together onto one node.', [
      f('metadata', 1, `${META}.ObjectMeta`, "The pod's metadata."),
      f('spec', 2, `${CORE}.PodSpec`, 'What the pod should run.'),
      f('status', 3, `${CORE}.PodStatus`, 'What the pod is doing; written by the system.'),
    ], { gvk: [{ group: '', version: 'v1', kind: 'Pod' }] }),
    t(`${CORE}.PodSpec`, 'The desired state of a pod.', [
      f('containers', 2, `${CORE}.Container`, 'The containers of the pod; at least one.', {
        repeated: true, required: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
      }),
      f('restartPolicy', 3, 'string', 'When to restart containers.', { enum: ['Always', 'Never', 'OnFailure'] }),
      f('terminationGracePeriodSeconds', 4, 'int64', 'Seconds between the stop signal and the kill.'),
      f('nodeSelector', 7, 'string', 'Labels a node must have to run the pod.', { map: true, mapType: 'atomic' }),
      f('serviceAccountName', 8, 'string', 'The service account the pod runs as.'),
      f('nodeName', 10, 'string', 'The node the pod is bound to.'),
      f('initContainers', 20, `${CORE}.Container`, 'Containers run to completion, in order, before the others start.', {
        repeated: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
      }),
    ]),
    t(`${CORE}.PodStatus`, 'The observed state of a pod.', [
      f('phase', 1, 'string', 'Pending, Running, Succeeded, Failed or Unknown.', { enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] }),
      f('podIP', 6, 'string', 'The IP address of the pod.'),
      f('startTime', 7, `${META}.Time`, 'When the kubelet accepted the pod.'),
    ]),
    t(`${CORE}.PodTemplateSpec`, 'A pod to create from a template.', [
      f('metadata', 1, `${META}.ObjectMeta`, "The pods' metadata."),
      f('spec', 2, `${CORE}.PodSpec`, "The pods' spec."),
    ]),
    t(`${CORE}.Container`, 'One container of a pod.', [
      f('name', 1, 'string', 'Name of the container, unique within the pod.', { required: true }),
      f('image', 2, 'string', 'The image to run.'),
      f('command', 3, 'string', 'Entrypoint; replaces the image ENTRYPOINT.', { repeated: true, listType: 'atomic' }),
      f('args', 4, 'string', 'Arguments; replace the image CMD.', { repeated: true, listType: 'atomic' }),
      containerPorts,
      f('env', 7, `${CORE}.EnvVar`, 'Environment variables.', {
        repeated: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
      }),
      f('resources', 8, `${CORE}.ResourceRequirements`, 'CPU and memory requests and limits.'),
      f('livenessProbe', 10, `${CORE}.Probe`, LIVENESS_DESCRIPTION),
      f('readinessProbe', 11, `${CORE}.Probe`, 'Periodic check that the container can serve; failing removes it from endpoints.'),
      f('imagePullPolicy', 14, 'string', 'When to pull the image.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    ]),
    t(`${CORE}.ContainerPort`, 'A port a container listens on.', [
      f('name', 1, 'string', 'A name services can refer to.'),
      f('hostPort', 2, 'int32', 'Port on the node to map to this port.'),
      f('containerPort', 3, 'int32', 'The port number.', { required: true }),
      f('protocol', 4, 'string', 'TCP, UDP or SCTP.', { default: 'TCP', enum: ['SCTP', 'TCP', 'UDP'] }),
    ]),
    t(`${CORE}.EnvVar`, 'One environment variable.', [
      f('name', 1, 'string', 'Variable name.', { required: true }),
      f('value', 2, 'string', 'Variable value.'),
    ]),
    t(`${CORE}.ResourceRequirements`, 'Compute resources of a container.', [
      f('limits', 1, 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'The most the container may use.', { map: true }),
      f('requests', 2, 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'What the scheduler reserves.', { map: true }),
    ]),
    t(`${CORE}.Probe`, 'A health check of a container.', [
      f('handler', 1, `${CORE}.ProbeHandler`, 'How to check; inline in JSON.', { inline: true }),
      f('initialDelaySeconds', 2, 'int32', 'Seconds to wait after the container starts before the first check.'),
      f('timeoutSeconds', 3, 'int32', 'Seconds before one check times out.', { default: 1 }),
      f('periodSeconds', 4, 'int32', 'Seconds between checks.', { default: 10 }),
      f('failureThreshold', 6, 'int32', 'Failed checks in a row that count as failure.', { default: 3 }),
    ]),
    t(`${CORE}.ProbeHandler`, 'The action of a probe.', [
      f('exec', 1, `${CORE}.ExecAction`, 'Run a command in the container.'),
      f('httpGet', 2, `${CORE}.HTTPGetAction`, 'Check with an HTTP GET; 2xx and 3xx pass.'),
    ]),
    t(`${CORE}.ExecAction`, 'A command to run.', [
      f('command', 1, 'string', 'The command and its arguments.', { repeated: true, listType: 'atomic' }),
    ]),
    t(`${CORE}.HTTPGetAction`, 'An HTTP GET request.', [
      f('path', 1, 'string', 'The path to request.'),
      f('port', 2, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'Port number or name.', { required: true }),
      f('host', 3, 'string', 'Host to connect to; the pod IP by default.'),
      f('scheme', 4, 'string', 'HTTP or HTTPS.', { enum: ['HTTP', 'HTTPS'] }),
    ]),
  ],
};

const appsFile: SchemaFile = {
  protoPackage: 'k8s.io.api.apps.v1',
  idPrefix: 'io.k8s.api.apps.v1',
  types: [
    t('io.k8s.api.apps.v1.Deployment', 'Declarative updates of a set of identical pods.', [
      f('metadata', 1, `${META}.ObjectMeta`, 'Metadata.'),
      f('spec', 2, 'io.k8s.api.apps.v1.DeploymentSpec', 'Desired state.'),
      f('status', 3, 'io.k8s.api.apps.v1.DeploymentStatus', 'Observed state.'),
    ], { gvk: [{ group: 'apps', version: 'v1', kind: 'Deployment' }] }),
    t('io.k8s.api.apps.v1.DeploymentSpec', 'Desired state of a deployment.', [
      f('replicas', 1, 'int32', 'Number of pods.', { default: 1 }),
      f('selector', 2, `${META}.LabelSelector`, 'Which pods belong to the deployment.', { required: true }),
      f('template', 3, `${CORE}.PodTemplateSpec`, 'The pods to create.', { required: true }),
    ]),
    t('io.k8s.api.apps.v1.DeploymentStatus', 'Observed state of a deployment.', [
      f('replicas', 2, 'int32', 'Pods that exist.'),
    ]),
  ],
};

const autoscalingFile: SchemaFile = {
  protoPackage: 'k8s.io.api.autoscaling.v1',
  idPrefix: 'io.k8s.api.autoscaling.v1',
  types: [
    t('io.k8s.api.autoscaling.v1.Scale', 'The scale subresource of a workload.', [
      f('metadata', 1, `${META}.ObjectMeta`, 'Metadata.'),
      f('spec', 2, 'io.k8s.api.autoscaling.v1.ScaleSpec', 'Desired replicas.'),
      f('status', 3, 'io.k8s.api.autoscaling.v1.ScaleStatus', 'Observed replicas.'),
    ], { gvk: [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }] }),
    t('io.k8s.api.autoscaling.v1.ScaleSpec', 'Desired scale.', [f('replicas', 1, 'int32', 'Desired replicas.')]),
    t('io.k8s.api.autoscaling.v1.ScaleStatus', 'Observed scale.', [
      f('replicas', 1, 'int32', 'Observed replicas.', { required: true }),
      f('selector', 2, 'string', 'Label selector of the pods, in query form.'),
    ]),
  ],
};

const AUTHN = 'io.k8s.api.authentication.v1';
const authenticationFile: SchemaFile = {
  protoPackage: 'k8s.io.api.authentication.v1',
  idPrefix: AUTHN,
  types: [
    t(`${AUTHN}.TokenReview`, 'Asks who a bearer token belongs to.', [
      f('apiVersion', 0, 'string', 'Schema version.'),
      f('kind', 0, 'string', 'Kind.'),
      f('metadata', 1, `${META}.ObjectMeta`, 'Metadata.'),
      f('status', 3, `${AUTHN}.TokenReviewStatus`, 'The answer.'),
    ], { gvk: [{ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview' }] }),
    t(`${AUTHN}.TokenReviewStatus`, 'Who the token belongs to.', [
      f('user', 2, `${AUTHN}.UserInfo`, 'The user.'),
    ]),
    t(`${AUTHN}.UserInfo`, 'A user.', [
      f('username', 1, 'string', 'User name.'),
      f('extra', 4, `${AUTHN}.ExtraValue`, 'Further attributes.', { map: true }),
    ]),
    t(`${AUTHN}.ExtraValue`, 'A list of strings.', [], { special: 'string-list' }),
  ],
};

/** The fixture: meta, resource/intstr/runtime, core/v1, apps/v1, autoscaling/v1 and authentication/v1 subsets. */
export const FIXTURE_FILES: SchemaFile[] = [metaFile, ...miscFiles, coreFile, appsFile, autoscalingFile, authenticationFile];
