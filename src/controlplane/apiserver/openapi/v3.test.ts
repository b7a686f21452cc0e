import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../api/resources.js';
import { FIXTURE_FILES, LIVENESS_DESCRIPTION } from './testdata-types.js';
import { buildOpenApiV3, contentHash } from './v3.js';

type J = Record<string, any>;

const v3 = buildOpenApiV3(FIXTURE_FILES, RESOURCES, 'v1.32.0');
const doc = (key: string): J => JSON.parse(v3.docs.get(key)!.json.toString());

/** Every `$ref` value anywhere in `node`. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) refs(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref') out.push(v as string);
      else refs(v, out);
    }
  }
  return out;
}

describe('buildOpenApiV3', () => {
  test('the root lists every served group-version with the hash of its document', () => {
    assert.ok(v3.root.paths['api/v1']);
    assert.ok(v3.root.paths['apis/apps/v1']);
    assert.ok(v3.root.paths['apis/coordination.k8s.io/v1']);
    for (const [key, entry] of Object.entries(v3.root.paths)) {
      const d = v3.docs.get(key)!;
      assert.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${d.hash}`);
      assert.equal(d.hash, contentHash(d.json));
      assert.match(d.hash, /^[0-9A-F]{128}$/);
    }
    // Same input, same bytes: kubectl caches documents by hash across server restarts.
    assert.equal(buildOpenApiV3(FIXTURE_FILES, RESOURCES, 'v1.32.0').docs.get('api/v1')!.hash, v3.docs.get('api/v1')!.hash);
  });

  test('each kind has a PATCH operation with its GVK and a fieldValidation parameter (kubectl --validate=strict)', () => {
    const core = doc('api/v1');
    const patch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.equal(patch.operationId, 'patchCoreV1NamespacedPod');
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    const names = patch.parameters.map((p: J) => p.name);
    for (const n of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(names.includes(n), n);
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
      'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
    ]);
    assert.equal(patch.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.Pod');

    const deploy = doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(deploy.patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    for (const gv of v3.docs.keys()) {
      const d = doc(gv);
      for (const r of RESOURCES.filter((x) => `${x.group ? `apis/${x.group}` : 'api'}/${x.version}` === gv && x.verbs.includes('patch'))) {
        const found = Object.values(d.paths as Record<string, J>).some((item) =>
          item.patch?.['x-kubernetes-group-version-kind']?.kind === r.kind &&
          item.patch.parameters.some((p: J) => p.name === 'fieldValidation'));
        assert.ok(found, `${gv} ${r.kind}`);
      }
    }
  });

  test('collections, watch, all-namespaces and subresource paths are present', () => {
    const p = doc('api/v1').paths;
    const coll = p['/api/v1/namespaces/{namespace}/pods'];
    assert.equal(coll.get.operationId, 'listCoreV1NamespacedPod');
    assert.equal(coll.post['x-kubernetes-action'], 'post');
    assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection');
    assert.ok(coll.get.parameters.some((x: J) => x.name === 'watch'));
    assert.equal(p['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(p['/api/v1/watch/namespaces/{namespace}/pods/{name}'].get['x-kubernetes-action'], 'watch');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch.operationId, 'patchCoreV1NamespacedPodStatus');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post.operationId, 'createCoreV1NamespacedPodBinding');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.responses['200'].content['text/plain'].schema.type, 'string');
    assert.equal(p['/api/v1/nodes/{name}'].get.operationId, 'readCoreV1Node');
    const scale = doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.equal(scale.put.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.autoscaling.v1.Scale');
  });

  test('schemas carry descriptions, GVKs, patch and list markers, and the special kinds as Kubernetes publishes them', () => {
    const s = doc('api/v1').components.schemas;
    assert.deepEqual(s['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    assert.equal(s['io.k8s.api.core.v1.Pod'].properties.kind.type, 'string');
    assert.deepEqual(s['io.k8s.api.core.v1.Pod'].properties.metadata,
      { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: "The pod's metadata." });
    const containers = s['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers.type, 'array');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(s['io.k8s.api.core.v1.PodSpec'].required, ['containers']);
    assert.equal(s['io.k8s.api.core.v1.PodSpec'].properties.nodeSelector['x-kubernetes-map-type'], 'atomic');
    assert.deepEqual(s['io.k8s.api.core.v1.PodSpec'].properties.restartPolicy.enum, ['Always', 'Never', 'OnFailure']);
    assert.equal(s['io.k8s.api.core.v1.ContainerPort'].properties.protocol.default, 'TCP');
    assert.equal(s['io.k8s.api.core.v1.Container'].properties.livenessProbe.description, LIVENESS_DESCRIPTION);
    assert.deepEqual(s['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties,
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    assert.deepEqual(s['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
    assert.equal(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.generation.format, 'int64');
    assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'], undefined, 'only reachable types');
    // Kinds the data lacks still resolve, and list kinds are synthesised with their GVK.
    assert.ok(s['io.k8s.api.core.v1.ConfigMap']);
    assert.deepEqual(s['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'PodList' }]);
    assert.equal(doc('apis/apps/v1').components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type'], 'atomic');
  });

  test('inline members are flattened into their parent, and named string slices are inlined as arrays', () => {
    const s = doc('api/v1').components.schemas;
    const probe = s['io.k8s.api.core.v1.Probe'].properties;
    assert.equal(probe.httpGet.allOf[0].$ref, '#/components/schemas/io.k8s.api.core.v1.HTTPGetAction');
    assert.ok(probe.exec && !probe.handler);
    assert.equal(s['io.k8s.api.core.v1.ProbeHandler'], undefined);
    const authn = doc('apis/authentication.k8s.io/v1').components.schemas;
    assert.deepEqual(authn['io.k8s.api.authentication.v1.UserInfo'].properties.extra,
      { description: 'Further attributes.', type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } });
    assert.deepEqual(Object.keys(authn['io.k8s.api.authentication.v1.TokenReview'].properties), ['apiVersion', 'kind', 'metadata', 'status']);
    assert.equal(authn['io.k8s.api.authentication.v1.TokenReview'].properties.kind.description, 'Kind.');
  });

  test('every $ref of every document resolves inside that document', () => {
    for (const key of v3.docs.keys()) {
      const d = doc(key);
      for (const ref of refs(d)) {
        assert.ok(d.components.schemas[ref.replace('#/components/schemas/', '')], `${key}: ${ref}`);
      }
    }
  });
});
