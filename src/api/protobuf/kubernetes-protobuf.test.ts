import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeKubernetesProtobuf, encodeKubernetesProtobuf, formatGoDuration, parseGoDuration, PROTOBUF_MAGIC,
} from './kubernetes-protobuf.js';
import { kubernetesRoot, protoType } from './protobuf-root.js';
import { StatusError } from '../../apimachinery/errors/status-error.js';

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/kubectl-1.32-bodies.json', import.meta.url), 'utf8')) as Record<
  string, { command: string; body: string }
>;

function fixture(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(fixtures[name].body, 'base64'));
}

describe('bodies captured from kubectl 1.32 decode to the JSON a JSON client would send', () => {
  const expected: Record<string, Record<string, unknown>> = {
    'create-namespace': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: {}, status: {} },
    'create-deployment': {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        // replicas is a pointer in Go, so an explicit 0 survives; other zero scalars do not.
        replicas: 0, selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
    'create-configmap': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
    'create-secret': { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { pw: Buffer.from('s3cr3t').toString('base64') } },
    'create-service-clusterip': {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    },
    'create-job': {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
      spec: { template: { metadata: {}, spec: { containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' } } },
      status: {},
    },
    'create-cronjob': {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          metadata: { name: 'cj' },
          spec: { template: { metadata: {}, spec: { containers: [{ name: 'cj', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'OnFailure' } } },
        },
      },
      status: {},
    },
    'create-serviceaccount': { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa2' } },
    'create-token': {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
      spec: { audiences: ['api'], expirationSeconds: 3600 }, status: { token: '' },
    },
    'auth-can-i': {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      status: { allowed: false }, // `json:"allowed"` has no omitempty, so Go's JSON writes false too
    },
    'autoscale': {
      apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    },
  };
  for (const [name, want] of Object.entries(expected)) {
    const key = name === 'create-secret' ? 'create-secret-generic' : name;
    test(fixtures[key].command, () => {
      const got = decodeKubernetesProtobuf(fixture(key));
      assert.equal(got.apiVersion, want.apiVersion);
      assert.equal(got.kind, want.kind);
      assert.deepEqual(got.object, want);
    });
  }
});

describe('encode → decode round trips of real-shaped objects', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['v1', 'Namespace', { metadata: { name: 'team-a', labels: { team: 'a' }, annotations: { note: 'x' } }, spec: { finalizers: ['kubernetes'] } }],
    ['apps/v1', 'Deployment', {
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-02T03:04:05Z', generation: 3, uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10 },
              readinessProbe: { tcpSocket: { port: 80 }, failureThreshold: 5 },
              volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
            }],
            volumes: [{ name: 'cfg', configMap: { name: 'web-cfg', defaultMode: 420, items: [{ key: 'a', path: 'a.conf' }] } }],
            terminationGracePeriodSeconds: 0, hostNetwork: true,
            tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
          },
        },
      },
    }],
    ['v1', 'ConfigMap', { metadata: { name: 'c' }, data: { 'app.conf': 'a=b\n' }, binaryData: { blob: Buffer.from([0, 1, 2, 255]).toString('base64') }, immutable: false }],
    ['v1', 'Secret', { metadata: { name: 's' }, type: 'kubernetes.io/basic-auth', data: { username: 'YWRtaW4=', password: 'czNjcjN0' } }],
    ['v1', 'Service', {
      metadata: { name: 'web' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { name: 'm', port: 9090, targetPort: 9091, protocol: 'UDP' }] },
    }],
    ['batch/v1', 'Job', {
      metadata: { name: 'pi' },
      spec: {
        backoffLimit: 0, completions: 3, parallelism: 2, ttlSecondsAfterFinished: 100,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e', 'print 1'] }] } },
      },
    }],
    ['batch/v1', 'CronJob', {
      metadata: { name: 'tick' },
      spec: {
        schedule: '*/1 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 0,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
      status: { lastScheduleTime: '2024-05-06T07:08:09Z' },
    }],
    ['authorization.k8s.io/v1', 'SelfSubjectAccessReview', {
      metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
    }],
    ['authentication.k8s.io/v1', 'TokenRequest', {
      metadata: { name: 'sa' },
      spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'abc' } },
    }],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', {
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    }],
  ];
  for (const [apiVersion, kind, object] of cases) {
    test(`${apiVersion} ${kind}`, () => {
      const bytes = encodeKubernetesProtobuf(apiVersion, kind, object);
      assert.deepEqual([...bytes.subarray(0, 4)], [...PROTOBUF_MAGIC]);
      const got = decodeKubernetesProtobuf(bytes);
      assert.deepEqual(got.object, { apiVersion, kind, ...object });
    });
  }
});

describe('special JSON forms', () => {
  test('a Quantity given as a number comes back as its string form', () => {
    const got = decodeKubernetesProtobuf(encodeKubernetesProtobuf('v1', 'ResourceQuota', { metadata: { name: 'q' }, spec: { hard: { pods: 10 } } }));
    assert.deepEqual(got.object.spec, { hard: { pods: '10' } });
  });

  test('MicroTime keeps microseconds; Time drops sub-second digits', () => {
    const ev = decodeKubernetesProtobuf(encodeKubernetesProtobuf('v1', 'Event', {
      metadata: { name: 'e', creationTimestamp: '2024-01-02T03:04:05.999Z' }, eventTime: '2024-01-02T03:04:05.123456Z',
      involvedObject: { kind: 'Pod', name: 'p' },
    }));
    assert.equal(ev.object.eventTime, '2024-01-02T03:04:05.123456Z');
    assert.equal((ev.object.metadata as Record<string, unknown>).creationTimestamp, '2024-01-02T03:04:05Z');
  });

  test('a timestamp with an offset is normalised to UTC', () => {
    const got = decodeKubernetesProtobuf(encodeKubernetesProtobuf('v1', 'Namespace', { metadata: { name: 'n', creationTimestamp: '2024-01-02T05:04:05+02:00' } }));
    assert.equal((got.object.metadata as Record<string, unknown>).creationTimestamp, '2024-01-02T03:04:05Z');
  });

  test('managedFields (FieldsV1) and int64 values survive', () => {
    const meta = {
      name: 'n', resourceVersion: '42', generation: 9007199254740991,
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } } }],
    };
    const got = decodeKubernetesProtobuf(encodeKubernetesProtobuf('v1', 'Namespace', { metadata: meta }));
    assert.deepEqual(got.object.metadata, meta);
  });

  test('Go durations format and parse like time.Duration', () => {
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(90e9), '1m30s');
    assert.equal(formatGoDuration(3600e9 + 5e8), '1h0m0.5s');
    assert.equal(formatGoDuration(1.5e6), '1.5ms');
    assert.equal(formatGoDuration(250), '250ns');
    assert.equal(parseGoDuration('1h30m'), 5400e9);
    assert.equal(parseGoDuration('1.5ms'), 1.5e6);
    assert.throws(() => parseGoDuration('5 minutes'), StatusError);
  });
});

describe('bad bodies are 400 BadRequest', () => {
  function badRequest(fn: () => unknown, pattern: RegExp): void {
    assert.throws(fn, (err: unknown) => err instanceof StatusError && err.code === 400 && pattern.test(err.message));
  }
  test('missing magic', () => badRequest(() => decodeKubernetesProtobuf(new Uint8Array(Buffer.from('{"kind":"Pod"}'))), /magic/));
  test('unknown kind', () => {
    const body = fixture('create-namespace');
    const envelope = protoType('io.k8s.apimachinery.pkg.runtime.Unknown').encode({ typeMeta: { apiVersion: 'v1', kind: 'Widget' }, raw: new Uint8Array() }).finish();
    badRequest(() => decodeKubernetesProtobuf(new Uint8Array([...body.subarray(0, 4), ...envelope])), /no kind "Widget" is registered for version "v1"/);
  });
  test('truncated bytes', () => {
    const body = fixture('create-deployment');
    badRequest(() => decodeKubernetesProtobuf(body.subarray(0, body.length - 20)), /unable to decode protobuf/);
  });
});

test('the Root knows every served kind under its protobuf name', () => {
  const root = kubernetesRoot();
  for (const name of ['k8s.io.api.core.v1.Pod', 'k8s.io.api.apps.v1.Deployment', 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler', 'k8s.io.metrics.pkg.apis.metrics.v1beta1.NodeMetrics']) {
    assert.ok(root.lookupType(name), name);
  }
  // Field numbers are Kubernetes facts: PodSpec.containers is 2, ObjectMeta.labels is 11.
  assert.equal(root.lookupType('k8s.io.api.core.v1.PodSpec').fields.containers.id, 2);
  assert.equal(root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta').fields.labels.id, 11);
});
