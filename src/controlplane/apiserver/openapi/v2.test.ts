import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../api/resources.js';
import { decodeGnostic } from './gnostic.js';
import { FIXTURE_FILES } from './testdata-types.js';
import { buildOpenApiV2 } from './v2.js';

type J = Record<string, any>;

const v2 = buildOpenApiV2(FIXTURE_FILES, RESOURCES, 'v1.28.0');
const json: J = JSON.parse(v2.json.toString());
const pb: J = decodeGnostic(v2.protobuf);

const path = (name: string): J => pb.paths.path.find((p: J) => p.name === name).value;
const definition = (name: string): J => pb.definitions.additionalProperties.find((d: J) => d.name === name)?.value;
/** Vendor extensions of a decoded message, with their YAML (JSON) values parsed. */
const ext = (m: J): J => Object.fromEntries((m.vendorExtension ?? []).map((e: J) => [e.name, JSON.parse(e.value.yaml)]));

describe('buildOpenApiV2', () => {
  test('the protobuf decodes as a gnostic Document with the same paths and definitions as the JSON', () => {
    assert.equal(pb.swagger, '2.0');
    assert.deepEqual(pb.info, { title: 'Kubernetes', version: 'v1.28.0' });
    assert.deepEqual(pb.paths.path.map((p: J) => p.name), Object.keys(json.paths));
    assert.deepEqual(pb.definitions.additionalProperties.map((d: J) => d.name), Object.keys(json.definitions));
    assert.match(v2.etag, /^"[0-9A-F]{128}"$/);
  });

  test("a kind's PATCH operation carries its GVK and an inline fieldValidation query parameter (kubectl 1.27/1.28)", () => {
    const patch = path('/api/v1/namespaces/{namespace}/pods/{name}').patch;
    assert.equal(patch.operationId, 'patchCoreV1NamespacedPod');
    assert.deepEqual(ext(patch)['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(ext(patch)['x-kubernetes-action'], 'patch');
    const query = patch.parameters.map((p: J) => p.parameter.nonBodyParameter?.queryParameterSubSchema).filter(Boolean);
    assert.ok(query.some((q: J) => q.name === 'fieldValidation' && q.in === 'query' && q.type === 'string'));
    const body = patch.parameters[0].parameter.bodyParameter;
    assert.equal(body.schema.ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    const ok = patch.responses.responseCode.find((r: J) => r.name === '200').value.response;
    assert.equal(ok.schema.schema.ref, '#/definitions/io.k8s.api.core.v1.Pod');
    const item = path('/api/v1/namespaces/{namespace}/pods/{name}');
    const pathParams = item.parameters.map((p: J) => p.parameter.nonBodyParameter.pathParameterSubSchema?.name).filter(Boolean);
    assert.deepEqual(pathParams, ['name', 'namespace']);
  });

  test('definitions hold the patch metadata client-side apply reads', () => {
    const spec = definition('io.k8s.api.core.v1.PodSpec');
    assert.deepEqual(spec.type.value, ['object']);
    const containers = spec.properties.additionalProperties.find((p: J) => p.name === 'containers').value;
    assert.deepEqual(containers.type.value, ['array']);
    assert.equal(containers.items.schema[0].ref, '#/definitions/io.k8s.api.core.v1.Container');
    assert.equal(ext(containers)['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(ext(containers)['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(ext(definition('io.k8s.api.core.v1.Pod'))['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    const limits = definition('io.k8s.api.core.v1.ResourceRequirements').properties.additionalProperties[0].value;
    assert.equal(limits.additionalProperties.schema.ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    const protocol = definition('io.k8s.api.core.v1.ContainerPort').properties.additionalProperties.find((p: J) => p.name === 'protocol').value;
    assert.equal(JSON.parse(protocol.default.yaml), 'TCP');
    assert.deepEqual(protocol.enum.map((e: J) => JSON.parse(e.yaml)), ['SCTP', 'TCP', 'UDP']);
  });

  test('special kinds use the v2 shapes kubectl parses: Quantity and IntOrString are strings, RawExtension an object', () => {
    assert.deepEqual(definition('io.k8s.apimachinery.pkg.api.resource.Quantity').type.value, ['string']);
    const ios = definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.deepEqual([ios.type.value, ios.format], [['string'], 'int-or-string']);
    assert.equal(definition('io.k8s.apimachinery.pkg.apis.meta.v1.Time').format, 'date-time');
    assert.deepEqual(definition('io.k8s.apimachinery.pkg.runtime.RawExtension').type.value, ['object']);
    // A property that references another type carries no `type` of its own: kubectl rejects a typed $ref.
    const meta = definition('io.k8s.api.core.v1.Pod').properties.additionalProperties.find((p: J) => p.name === 'metadata').value;
    assert.equal(meta.ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.equal(meta.type, undefined);
  });

  test('every $ref resolves to a definition, including kinds the data does not describe', () => {
    const names = new Set(Object.keys(json.definitions));
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref') assert.ok(names.has((v as string).replace('#/definitions/', '')), v as string);
          else walk(v);
        }
      }
    };
    walk(json);
    assert.ok(names.has('io.k8s.api.core.v1.ConfigMap'));
    assert.ok(names.has('io.k8s.api.apps.v1.DeploymentList'));
  });
});
