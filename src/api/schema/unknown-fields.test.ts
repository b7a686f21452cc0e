import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkObject, pruneUnknown, strictDecodingMessage, unknownFieldWarnings } from './unknown-fields.js';

const DEPLOY = 'io.k8s.api.apps.v1.Deployment';

function deployment(container: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } }, ...extra },
  };
}

test('a valid object passes, special forms included', () => {
  const r = checkObject(DEPLOY, deployment({
    name: 'c', image: 'nginx', ports: [{ containerPort: 80 }],
    resources: { limits: { cpu: 1, memory: '1Gi' } },
    livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
    readinessProbe: { tcpSocket: { port: 8080 } },
  }, { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } }));
  assert.deepEqual(r, { unknown: [], typeErrors: [] });
});

test('unknown fields are reported with kube-apiserver paths', () => {
  const r = checkObject(DEPLOY, { ...deployment({ name: 'c', image: 'nginx', imagePullPolicyy: 'Always' }), extra: 1, metadata: { name: 'x', nme: 'y' } });
  assert.deepEqual(r.unknown.sort(), ['extra', 'metadata.nme', 'spec.template.spec.containers[0].imagePullPolicyy']);
  assert.equal(strictDecodingMessage(['spec.foo', 'spec.bar']), 'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"');
  assert.deepEqual(unknownFieldWarnings(['spec.foo']), ['unknown field "spec.foo"']);
});

test('wrong JSON types are reported as Go decode errors', () => {
  const r = checkObject(DEPLOY, { ...deployment({ name: 'c', image: 'nginx', ports: [{ containerPort: '80' }] }), spec: { replicas: 'two' } });
  assert.deepEqual(r.typeErrors, ['json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32']);
  const r2 = checkObject(DEPLOY, deployment({ name: 'c', image: 'nginx', ports: [{ containerPort: '80' }], args: 'x' }));
  assert.deepEqual(r2.typeErrors, [
    'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    'json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.args of type []string',
  ]);
  assert.deepEqual(checkObject(DEPLOY, []).typeErrors, ['json: cannot unmarshal array into Go value of type v1.Deployment']);
  assert.equal(checkObject(DEPLOY, deployment({ name: 'c', resources: { limits: { cpu: true } } })).typeErrors.length, 1);
  assert.equal(checkObject(DEPLOY, { spec: { replicas: 1.5 } }).typeErrors[0],
    'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
});

test('maps and raw extensions: keys are free, values are checked', () => {
  assert.deepEqual(checkObject('io.k8s.api.core.v1.ConfigMap', { data: { anything: 'x' } }).unknown, []);
  assert.equal(checkObject('io.k8s.api.core.v1.ConfigMap', { data: { n: 1 } }).typeErrors.length, 1);
  assert.deepEqual(checkObject('io.k8s.api.apps.v1.ControllerRevision', { revision: 1, data: { any: { thing: [1] } } }), { unknown: [], typeErrors: [] });
  assert.deepEqual(checkObject('io.k8s.api.core.v1.Pod', { metadata: { managedFields: [{ fieldsV1: { 'f:spec': {} } }] } }).unknown, []);
});

test('pruneUnknown drops unknown fields from a copy', () => {
  const input = deployment({ name: 'c', image: 'nginx', bogus: true });
  const { value, unknown } = pruneUnknown(DEPLOY, input);
  assert.deepEqual(unknown, ['spec.template.spec.containers[0].bogus']);
  const c = ((value.spec as any).template.spec.containers[0]) as Record<string, unknown>;
  assert.deepEqual(c, { name: 'c', image: 'nginx' });
  assert.equal(((input.spec as any).template.spec.containers[0]).bogus, true, 'input untouched');
});
