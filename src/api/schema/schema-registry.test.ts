import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  allTypes, fieldOf, getType, jsonFields, listMetaAt, patchMetaAt, schemaFiles, typeForKind,
} from './schema-registry.js';
import { RESOURCES } from '../resources.js';

test('loads all data within 50 ms', () => {
  const t0 = performance.now();
  const n = allTypes().size;
  const ms = performance.now() - t0;
  assert.ok(n > 400, `only ${n} types`);
  assert.ok(ms < 50, `loading took ${ms.toFixed(1)} ms`);
  assert.equal(schemaFiles().length, 17);
});

test('every served resource has its type, found by id and by group/version/kind', () => {
  for (const r of RESOURCES) {
    assert.ok(getType(r.typeId), `no type ${r.typeId}`);
    assert.equal(typeForKind(r.group, r.version, r.kind)?.id, r.typeId, `${r.group}/${r.version} ${r.kind}`);
    for (const s of r.subresources) {
      if (['log', 'exec', 'attach', 'portforward', 'proxy', 'finalize', 'status'].includes(s.name)) continue;
      assert.ok(typeForKind(s.group, s.version, s.kind), `subresource ${r.resource}/${s.name} kind ${s.kind}`);
    }
  }
  for (const [g, v, k] of [['', 'v1', 'Status'], ['apps', 'v1', 'DeleteOptions'], ['', 'v1', 'PodList'], ['meta.k8s.io', 'v1', 'PartialObjectMetadataList']]) {
    assert.ok(typeForKind(g, v, k), `${g}/${v} ${k}`);
  }
});

test('top-level kinds list apiVersion and kind; nested types do not', () => {
  assert.deepEqual(getType('io.k8s.api.core.v1.Pod')?.fields.map((f) => f.name), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.equal(fieldOf('io.k8s.api.core.v1.PodSpec', 'kind'), undefined);
});

test('inline members are looked through: Probe has exec/httpGet, ConfigMapKeySelector has name', () => {
  assert.equal(fieldOf('io.k8s.api.core.v1.Probe', 'httpGet')?.type, 'io.k8s.api.core.v1.HTTPGetAction');
  assert.equal(fieldOf('io.k8s.api.core.v1.Probe', 'handler'), undefined);
  assert.equal(fieldOf('io.k8s.api.core.v1.ConfigMapKeySelector', 'name')?.type, 'string');
  assert.ok(fieldOf('io.k8s.api.core.v1.Volume', 'persistentVolumeClaim'));
  assert.equal(fieldOf('io.k8s.api.networking.v1.IngressClassParametersReference', 'apiGroup')?.protoName, 'aPIGroup');
});

test('special kinds are marked', () => {
  const specials = Object.fromEntries([...allTypes().values()].filter((t) => t.special).map((t) => [t.id, t.special]));
  assert.equal(specials['io.k8s.apimachinery.pkg.api.resource.Quantity'], 'quantity');
  assert.equal(specials['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], 'int-or-string');
  assert.equal(specials['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], 'time');
  assert.equal(specials['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime'], 'micro-time');
  assert.equal(specials['io.k8s.apimachinery.pkg.apis.meta.v1.Duration'], 'duration');
  assert.equal(specials['io.k8s.apimachinery.pkg.runtime.RawExtension'], 'raw-extension');
  assert.equal(specials['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1'], 'fields-v1');
});

test('every type and field references known types and has a description', () => {
  for (const t of allTypes().values()) {
    assert.ok(t.description.length > 5, `${t.id} description`);
    for (const f of t.fields) {
      assert.ok(f.description.length > 3, `${t.id}.${f.name} description`);
      assert.ok(!f.type.includes('.') || getType(f.type), `${t.id}.${f.name}: unknown type ${f.type}`);
    }
  }
});

test('kubectl explain pod.spec.containers.livenessProbe reads well', () => {
  const probe = patchMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 'livenessProbe']);
  assert.equal(probe?.type, 'io.k8s.api.core.v1.Probe');
  assert.match(fieldOf('io.k8s.api.core.v1.Container', 'livenessProbe')?.description ?? '', /restarted/);
  const fields = jsonFields('io.k8s.api.core.v1.Probe');
  assert.deepEqual([...fields.keys()].sort(), ['exec', 'failureThreshold', 'grpc', 'httpGet', 'initialDelaySeconds', 'periodSeconds',
    'successThreshold', 'tcpSocket', 'terminationGracePeriodSeconds', 'timeoutSeconds']);
  for (const f of fields.values()) assert.match(f.description, /^[A-Z].{10,}\.$/, f.name);
  assert.equal(fields.get('periodSeconds')?.default, 10);
});

test('strategic merge patch metadata walks through lists and maps', () => {
  assert.deepEqual(patchMetaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers']),
    { type: 'io.k8s.api.core.v1.Container', list: true, map: false, patchStrategy: 'merge', patchMergeKey: 'name' });
  assert.equal(patchMetaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers', 'ports'])?.patchMergeKey, 'containerPort');
  assert.equal(patchMetaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers', 'volumeMounts'])?.patchMergeKey, 'mountPath');
  assert.equal(patchMetaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'strategy'])?.patchStrategy, 'retainKeys');
  assert.deepEqual(patchMetaAt('io.k8s.api.core.v1.Pod', ['metadata', 'labels', 'app']), { type: 'string', list: false, map: false });
  assert.equal(patchMetaAt('io.k8s.api.core.v1.Pod', ['metadata', 'finalizers'])?.patchStrategy, 'merge');
  assert.equal(patchMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'nope']), undefined);
  assert.equal(patchMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 'resources', 'limits', 'cpu', 'deeper']), undefined);
});

test('server-side apply metadata: list types, map keys, atomic structs', () => {
  assert.deepEqual(listMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 'ports']),
    { type: 'io.k8s.api.core.v1.ContainerPort', list: true, map: false, listType: 'map', listMapKeys: ['containerPort', 'protocol'] });
  assert.equal(listMetaAt('io.k8s.api.core.v1.Service', ['spec', 'clusterIPs'])?.listType, 'atomic');
  assert.deepEqual(listMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers'])?.listMapKeys, ['name']);
  assert.equal(listMetaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 'args'])?.listType, undefined);
  assert.equal(listMetaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'selector'])?.structType, 'atomic');
  assert.equal(listMetaAt('io.k8s.api.core.v1.Pod', ['metadata', 'finalizers'])?.listType, 'set');
});
