import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../apimachinery/errors/status-error.js';
import { applyDefaults } from './defaults-registry.js';
import { validateCreate, validateUpdate } from './validation-registry.js';

type Obj = Record<string, any>;
const lines = (errs: { field: string; detail: string }[]): string[] => errs.map((e) => `${e.field}: ${e.detail}`);

function pod(spec: Obj, name = 'p'): Obj {
  return applyDefaults('', 'Pod', { metadata: { name, namespace: 'default' }, spec });
}

function deployment(selector: Obj, labels: Obj): Obj {
  return applyDefaults('apps', 'Deployment', {
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector, template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  });
}

describe('Deployment', () => {
  test('a valid deployment has no errors', () => {
    assert.deepEqual(validateCreate('apps', 'Deployment', deployment({ matchLabels: { app: 'web' } }, { app: 'web' })), []);
  });
  test('selector/template mismatch gives the kube-apiserver 422 text', () => {
    const errs = validateCreate('apps', 'Deployment', deployment({ matchLabels: { app: 'web' } }, { app: 'other' }));
    const err = invalid('Deployment', 'apps', 'web', errs);
    assert.equal(err.message, 'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
    assert.equal(err.status.details?.causes?.[0].reason, 'FieldValueInvalid');
  });
  test('the selector is immutable', () => {
    const old = deployment({ matchLabels: { app: 'web' } }, { app: 'web' });
    const next = deployment({ matchLabels: { app: 'web2' } }, { app: 'web2' });
    assert.deepEqual(lines(validateUpdate('apps', 'Deployment', next, old)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test('negative replicas and bad strategy', () => {
    const d = deployment({ matchLabels: { app: 'web' } }, { app: 'web' });
    d.spec.replicas = -1;
    d.spec.strategy.rollingUpdate.maxUnavailable = '110%';
    assert.deepEqual(lines(validateCreate('apps', 'Deployment', d)), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}: must not be greater than 100%',
    ]);
  });
});

describe('Pod', () => {
  const table: [string, Obj, string[]][] = [
    ['no containers', {}, ['spec.containers: Required value']],
    ['missing image', { containers: [{ name: 'c' }] }, ['spec.containers[0].image: Required value']],
    ['duplicate names and bad port', { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }, { name: 'c', image: 'y' }] }, [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[1].name: Duplicate value: "c"',
    ]],
    ['bad restartPolicy', { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] }, [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]],
    ['mount of an undeclared volume', { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }, [
      'spec.containers[0].volumeMounts[0].name: Not found: "data"',
    ]],
    ['requests above limits', { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }, [
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]],
    ['probe without handler', { containers: [{ name: 'c', image: 'x', readinessProbe: {} }] }, [
      'spec.containers[0].readinessProbe: Required value: must specify a handler type',
    ]],
    ['two volume sources', { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }, [
      'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type',
    ]],
    ['bad container name', { containers: [{ name: 'C_1', image: 'x' }] }, [
      `spec.containers[0].name: Invalid value: "C_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]],
  ];
  for (const [name, spec, want] of table) {
    test(name, () => assert.deepEqual(lines(validateCreate('', 'Pod', pod(spec))), want));
  }
  test('updates may change the image but not the command', () => {
    const old = pod({ containers: [{ name: 'c', image: 'x:1' }] });
    assert.deepEqual(validateUpdate('', 'Pod', pod({ containers: [{ name: 'c', image: 'x:2' }] }), old), []);
    const errs = validateUpdate('', 'Pod', pod({ containers: [{ name: 'c', image: 'x:1', command: ['sh'] }] }), old);
    assert.equal(errs.length, 1);
    assert.equal(errs[0].field, 'spec');
    assert.ok(errs[0].detail.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'));
  });
});

describe('Service', () => {
  const svc = (spec: Obj, name = 'web'): Obj => applyDefaults('', 'Service', { metadata: { name, namespace: 'default' }, spec });
  test('valid', () => assert.deepEqual(validateCreate('', 'Service', svc({ selector: { app: 'web' }, ports: [{ port: 80 }] })), []));
  test('name must be a DNS-1035 label', () => {
    assert.match(lines(validateCreate('', 'Service', svc({ ports: [{ port: 80 }] }, '1web')))[0], /^metadata.name: Invalid value: "1web": a DNS-1035 label must consist/);
  });
  test('ports, names and type', () => {
    assert.deepEqual(lines(validateCreate('', 'Service', svc({ type: 'Weird', ports: [{ port: 80 }, { port: 80 }] }))), [
      'spec.ports[0].name: Required value',
      'spec.ports[1].name: Required value',
      'spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]);
  });
  test('clusterIP may not change', () => {
    const old = svc({ clusterIP: '10.0.0.1', ports: [{ port: 80 }] });
    assert.deepEqual(lines(validateUpdate('', 'Service', svc({ clusterIP: 'None', ports: [{ port: 80 }] }), old)), [
      'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
    ]);
  });
});

describe('batch', () => {
  test('Job template needs OnFailure or Never', () => {
    const job = applyDefaults('batch', 'Job', { metadata: { name: 'j', namespace: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
    assert.deepEqual(lines(validateCreate('batch', 'Job', job)), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });
  const cron = (schedule: string, extra: Obj = {}): Obj => applyDefaults('batch', 'CronJob', {
    metadata: { name: 'c', namespace: 'd' },
    spec: { schedule, ...extra, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } },
  });
  const table: [string, Obj, string[]][] = [
    ['*/5 * * * *', {}, []],
    ['@hourly', {}, []],
    ['0 0 * * MON-FRI', {}, []],
    ['* * *', {}, ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
    ['0 70 * * *', {}, ['spec.schedule: Invalid value: "0 70 * * *": end of range (70) above maximum (23): 70']],
    ['x * * * *', {}, ['spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax']],
    ['* * * * *', { timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    ['* * * * *', { timeZone: 'Europe/Paris' }, []],
  ];
  for (const [schedule, extra, want] of table) {
    test(`CronJob ${schedule} ${JSON.stringify(extra)}`, () => assert.deepEqual(lines(validateCreate('batch', 'CronJob', cron(schedule, extra))), want));
  }
});

describe('config and misc kinds', () => {
  test('ConfigMap keys and size', () => {
    assert.deepEqual(lines(validateCreate('', 'ConfigMap', { metadata: { name: 'c', namespace: 'd' }, data: { 'a b': 'x' } })), [
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    assert.deepEqual(lines(validateCreate('', 'ConfigMap', { metadata: { name: 'c', namespace: 'd' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } })), [
      '[]: Too long: must have at most 1048576 bytes',
    ]);
  });
  test('Namespace names are DNS labels', () => {
    assert.deepEqual(lines(validateCreate('', 'Namespace', { metadata: { name: 'a.b' } })), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  });
  test('Ingress pathType and backend', () => {
    const ing = { metadata: { name: 'i', namespace: 'd' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }, { path: 'x', pathType: 'Prefix', backend: { service: { name: 'web' } } }] } }] } };
    assert.deepEqual(lines(validateCreate('networking.k8s.io', 'Ingress', ing)), [
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[1].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[1].backend: Required value: port name or number is required',
    ]);
  });
  test('EndpointSlice addressType', () => {
    assert.deepEqual(lines(validateCreate('discovery.k8s.io', 'EndpointSlice', { metadata: { name: 'e', namespace: 'd' }, addressType: 'IPv5' })), [
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
  });
  test('Lease duration', () => {
    assert.deepEqual(lines(validateCreate('coordination.k8s.io', 'Lease', { metadata: { name: 'l', namespace: 'd' }, spec: { leaseDurationSeconds: 0 } })), [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
  });
  test('unknown kinds still get metadata validation by scope', () => {
    assert.deepEqual(lines(validateCreate('', 'ComponentStatus', { metadata: { namespace: 'x' } })), [
      'metadata.name: Required value: name or generateName is required',
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    assert.deepEqual(lines(validateCreate('', 'Node', { metadata: { name: 'n', namespace: 'x' } })), ['metadata.namespace: Forbidden: not allowed on this type']);
  });
});
