/**
 * Test fixture: Pod- and Deployment-shaped schemas with the real Kubernetes patch markers (merge keys, list types,
 * retainKeys, atomic selectors), for the patch tests. Not used by production code; the API layer builds its
 * PatchSchema from src/api/schema.
 */
import { schemaFromSpec, type PatchSchema, type SchemaSpec } from './schema-lookup.js';

const s = 'scalar' as const;

const objectMeta: SchemaSpec = {
  object: {
    name: s, generateName: s, namespace: s, uid: s, resourceVersion: s, generation: s, creationTimestamp: s,
    labels: { map: s }, annotations: { map: s },
    finalizers: { list: s, patchStrategy: 'merge', listType: 'set' },
    ownerReferences: {
      list: { object: { apiVersion: s, kind: s, name: s, uid: s, controller: s } },
      patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'],
    },
    managedFields: { list: 'any', listType: 'atomic' },
  },
};

const container: SchemaSpec = {
  object: {
    name: s, image: s, imagePullPolicy: s,
    command: { list: s, listType: 'atomic' }, args: { list: s, listType: 'atomic' },
    ports: {
      list: { object: { name: s, containerPort: s, protocol: { scalar: true, default: 'TCP' }, hostPort: s } },
      patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'],
    },
    env: {
      list: { object: { name: s, value: s, valueFrom: { object: { fieldRef: { object: { fieldPath: s } } } } } },
      patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
    },
    volumeMounts: {
      list: { object: { name: s, mountPath: s, readOnly: s } },
      patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'],
    },
    resources: { object: { limits: { map: s }, requests: { map: s } } },
  },
};

const podSpec: SchemaSpec = {
  object: {
    containers: { list: container, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    initContainers: { list: container, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    volumes: {
      list: { object: { name: s, configMap: { object: { name: s } }, emptyDir: { object: { medium: s } } } },
      patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
    },
    // No patch strategy: replaced whole by SMP, atomic for SSA.
    tolerations: { list: { object: { key: s, operator: s, value: s, effect: s } } },
    imagePullSecrets: { list: { object: { name: s } }, patchStrategy: 'merge', patchMergeKey: 'name' },
    nodeSelector: { map: s },
    restartPolicy: s, serviceAccountName: s, nodeName: s,
  },
};

const condition: SchemaSpec = { object: { type: s, status: s, reason: s, message: s, lastTransitionTime: s } };

const labelSelector: SchemaSpec = {
  object: { matchLabels: { map: s }, matchExpressions: { list: { object: { key: s, operator: s, values: { list: s } } } } },
  mapType: 'atomic',
};

const deployment: SchemaSpec = {
  object: {
    apiVersion: s, kind: s, metadata: objectMeta,
    spec: {
      object: {
        replicas: s, minReadySeconds: s, paused: s,
        selector: labelSelector,
        template: { object: { metadata: objectMeta, spec: podSpec } },
        strategy: { object: { type: s, rollingUpdate: { object: { maxSurge: s, maxUnavailable: s } } }, patchStrategy: 'retainKeys' },
        // Stands in for a RawExtension: no schema, merge-patch semantics.
        extension: 'any',
      },
    },
    status: {
      object: {
        replicas: s, readyReplicas: s, observedGeneration: s,
        conditions: { list: condition, patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      },
    },
  },
};

const pod: SchemaSpec = {
  object: {
    apiVersion: s, kind: s, metadata: objectMeta, spec: podSpec,
    status: {
      object: {
        phase: s, podIP: s,
        conditions: { list: condition, patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      },
    },
  },
};

/** A Deployment-shaped schema. */
export const deploymentSchema: PatchSchema = schemaFromSpec(deployment);
/** A Pod-shaped schema. */
export const podSchema: PatchSchema = schemaFromSpec(pod);
