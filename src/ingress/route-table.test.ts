/**
 * Route table: which backend a (host, path) reaches, table-driven over the Ingress spec's matching rules, and how
 * a backend's Service port resolves to ready endpoints.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { HTTPIngressPath, Ingress, IngressRule } from 'kubernetes-types/networking/v1.js';
import { normalizeHost, requestPath, RouteTable, SERVICE_NAME_LABEL, type RouteSources } from './route-table.js';

function svc(name: string, ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { name, namespace: 'ns' }, spec: { ports, ...extra } };
}

function slice(service: string, name: string, ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints']): EndpointSlice {
  return { metadata: { name, namespace: 'ns', labels: { [SERVICE_NAME_LABEL]: service } }, addressType: 'IPv4', ports, endpoints };
}

/** Services `a`..`f` on port 80 (named `http`), each with one ready endpoint 10.0.0.<n>:8080. */
const SERVICES = new Map<string, Service>();
const SLICES = new Map<string, EndpointSlice[]>();
['a', 'b', 'c', 'd', 'e', 'f'].forEach((name, i) => {
  SERVICES.set(name, svc(name, [{ name: 'http', port: 80, targetPort: 8080 }]));
  SLICES.set(name, [slice(name, `${name}-1`, [{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: [`10.0.0.${i + 1}`], conditions: { ready: true } }])]);
});

function sources(ingresses: Ingress[], extra: Partial<RouteSources> = {}): RouteSources {
  return {
    ingresses,
    service: (ns, name) => (ns === 'ns' ? SERVICES.get(name) : undefined),
    endpointSlices: (ns, name) => (ns === 'ns' ? SLICES.get(name) ?? [] : []),
    ...extra,
  };
}

const path = (p: string | undefined, pathType: string, service: string, port: { number?: number; name?: string } = { number: 80 }): HTTPIngressPath =>
  ({ path: p, pathType, backend: { service: { name: service, port } } });

function ingress(name: string, rules: IngressRule[], opts: { defaultBackend?: string; created?: string; tls?: Ingress['spec'] extends infer S ? S extends { tls?: infer T } ? T : never : never } = {}): Ingress {
  return {
    metadata: { name, namespace: 'ns', creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z' },
    spec: { rules, tls: opts.tls, defaultBackend: opts.defaultBackend ? { service: { name: opts.defaultBackend, port: { number: 80 } } } : undefined },
  };
}

const http = (host: string | undefined, ...paths: HTTPIngressPath[]): IngressRule => ({ host, http: { paths } });

/** Which Service a request reaches ('' for no route). */
function target(t: RouteTable, host: string, url: string): string {
  return t.match(host, url)?.backend.service ?? '';
}

describe('path matching', () => {
  const cases: { name: string; paths: HTTPIngressPath[]; want: [string, string][] }[] = [
    {
      name: "the seed's example: /user → A, /products → B",
      paths: [path('/user', 'Prefix', 'a'), path('/products', 'Prefix', 'b')],
      want: [['/user', 'a'], ['/user/42', 'a'], ['/products', 'b'], ['/products/9?x=1', 'b'], ['/', ''], ['/users', ''], ['/product', '']],
    },
    {
      name: 'Prefix matches whole path elements only',
      paths: [path('/foo', 'Prefix', 'a')],
      want: [['/foo', 'a'], ['/foo/', 'a'], ['/foo/bar', 'a'], ['/foobar', ''], ['/fo', ''], ['/Foo', '']],
    },
    {
      name: 'a trailing slash in a Prefix rule is ignored',
      paths: [path('/foo/', 'Prefix', 'a')],
      want: [['/foo', 'a'], ['/foo/', 'a'], ['/foo/x', 'a'], ['/foox', '']],
    },
    {
      name: 'Exact matches the whole path, case-sensitively, query ignored',
      paths: [path('/foo', 'Exact', 'a')],
      want: [['/foo', 'a'], ['/foo?q=1', 'a'], ['/foo/', ''], ['/foo/bar', ''], ['/FOO', '']],
    },
    {
      name: 'ImplementationSpecific is a Prefix; an empty path is /',
      paths: [path('/api', 'ImplementationSpecific', 'a'), path(undefined, 'ImplementationSpecific', 'b')],
      want: [['/api/v1', 'a'], ['/apis', 'b'], ['/', 'b']],
    },
    {
      name: 'the longest match wins, whatever the order of the rules',
      paths: [path('/', 'Prefix', 'a'), path('/a', 'Prefix', 'b'), path('/a/b/c', 'Prefix', 'd'), path('/a/b', 'Prefix', 'c')],
      want: [['/x', 'a'], ['/a', 'b'], ['/a/b', 'c'], ['/a/bc', 'b'], ['/a/b/c/d', 'd']],
    },
    {
      name: 'Exact beats Prefix at equal length (also against a trailing-slash Prefix)',
      paths: [path('/foo/', 'Prefix', 'a'), path('/foo', 'Exact', 'b')],
      want: [['/foo', 'b'], ['/foo/', 'a'], ['/foo/x', 'a']],
    },
    {
      name: 'a longer Prefix beats a shorter Exact',
      paths: [path('/foo', 'Exact', 'a'), path('/foo/bar', 'Prefix', 'b')],
      want: [['/foo', 'a'], ['/foo/bar/baz', 'b']],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const t = RouteTable.build(sources([ingress('i', [http(undefined, ...c.paths)])]));
      for (const [url, want] of c.want) assert.equal(target(t, 'any.host', url), want, `${url}`);
    });
  }
});

describe('host matching', () => {
  const t = RouteTable.build(sources([
    ingress('hosts', [
      http('foo.example.com', path('/', 'Prefix', 'a')),
      http('*.example.com', path('/', 'Prefix', 'b'), path('/only-wild', 'Prefix', 'e')),
      http('api.test', path('/v1', 'Prefix', 'c')),
      http('*.test', path('/w', 'Prefix', 'e')),
      http(undefined, path('/', 'Prefix', 'd'), path('/v2', 'Prefix', 'f')),
    ]),
  ]));
  const cases: [host: string, url: string, want: string, why: string][] = [
    ['foo.example.com', '/', 'a', 'an exact host'],
    ['FOO.Example.COM:8080', '/', 'a', 'hosts are case-insensitive and the port is ignored'],
    ['foo.example.com.', '/', 'a', 'a trailing dot is ignored'],
    ['bar.example.com', '/', 'b', 'the wildcard covers one label'],
    ['a.b.example.com', '/', 'd', 'but not two labels'],
    ['example.com', '/', 'd', 'nor the bare domain'],
    ['foo.example.com', '/only-wild/x', 'a', "the exact host's / beats a longer path of the wildcard"],
    ['api.test', '/w/x', 'e', 'an exact host without a matching path falls through to the wildcard'],
    ['api.test', '/v1/x', 'c', 'exact host and path'],
    ['api.test', '/v2', 'f', 'falls through to rules without a host'],
    ['api.test', '/other', 'd', 'and to their / rule'],
    ['', '/', 'd', 'no Host header: rules without a host'],
    ['10.0.0.1', '/', 'd', 'an IP Host: rules without a host'],
    ['[::1]:80', '/', 'd', 'an IPv6 literal'],
  ];
  for (const [host, url, want, why] of cases) test(`${why} (${host}${url})`, () => assert.equal(target(t, host, url), want));
});

describe('across Ingresses and default backends', () => {
  test('rules of every Ingress of the class merge; the oldest Ingress wins a duplicate path', () => {
    const t = RouteTable.build(sources([
      ingress('newer', [http('h.test', path('/x', 'Prefix', 'b'), path('/y', 'Prefix', 'c'))], { created: '2024-02-01T00:00:00Z' }),
      ingress('older', [http('h.test', path('/x', 'Prefix', 'a'))], { created: '2024-01-01T00:00:00Z' }),
    ]));
    assert.equal(target(t, 'h.test', '/x'), 'a');
    assert.equal(t.match('h.test', '/x')?.ingress, 'ns/older');
    assert.equal(target(t, 'h.test', '/y'), 'c');
  });

  test("an Ingress's defaultBackend serves its hosts' unmatched paths, and everything else when it is the oldest", () => {
    const t = RouteTable.build(sources([
      ingress('one', [http('one.test', path('/app', 'Prefix', 'a'))], { defaultBackend: 'b', created: '2024-01-01T00:00:00Z' }),
      ingress('two', [http('two.test', path('/app', 'Prefix', 'c'))], { defaultBackend: 'd', created: '2024-01-02T00:00:00Z' }),
    ]));
    assert.equal(target(t, 'one.test', '/app'), 'a');
    assert.equal(target(t, 'one.test', '/nope'), 'b');
    assert.equal(target(t, 'two.test', '/nope'), 'd', "the host's own Ingress's defaultBackend");
    assert.equal(target(t, 'other.test', '/'), 'b', "the oldest Ingress's defaultBackend for unknown hosts");
    assert.equal(t.match('other.test', '/')?.path, undefined);
  });

  test('an Ingress with only a defaultBackend catches everything; without any, the global default; else no route', () => {
    const only = RouteTable.build(sources([ingress('catch', [], { defaultBackend: 'e' })]));
    assert.equal(target(only, 'x.test', '/anything'), 'e');
    const global = sources([ingress('i', [http('h.test', path('/', 'Exact', 'a'))])], {
      defaultBackend: { namespace: 'ns', service: { name: 'f', port: { name: 'http' } } },
    });
    assert.equal(target(RouteTable.build(global), 'h.test', '/x'), 'f');
    assert.equal(target(RouteTable.build(global), 'h.test', '/'), 'a');
    assert.equal(RouteTable.build(sources([ingress('i', [http('h.test', path('/', 'Exact', 'a'))])])).match('h.test', '/x'), undefined);
    assert.equal(RouteTable.EMPTY.match('h.test', '/'), undefined);
  });
});

describe('backends', () => {
  const services = new Map<string, Service>([
    ['multi', svc('multi', [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'admin', port: 9000, targetPort: 9900 }])],
    ['np', svc('np', [{ port: 8000, nodePort: 30080 }], { type: 'NodePort' })],
    ['ext', svc('ext', [{ port: 443 }], { type: 'ExternalName', externalName: 'backend.example.org' })],
    ['empty', svc('empty', [{ name: 'http', port: 80 }])],
  ]);
  const slices = new Map<string, EndpointSlice[]>([
    ['multi', [
      slice('multi', 'multi-1', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9900, protocol: 'TCP' }], [
        { addresses: ['10.1.0.2'], conditions: { ready: true } },
        { addresses: ['10.1.0.1'], conditions: {} },
        { addresses: ['10.1.0.3'], conditions: { ready: false } },
      ]),
      slice('multi', 'multi-2', [{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: ['10.1.0.4', '10.9.9.9'] }, { addresses: ['10.1.0.2'] }]),
      slice('multi', 'multi-udp', [{ name: 'http', port: 53, protocol: 'UDP' }], [{ addresses: ['10.1.0.5'] }]),
    ]],
    ['np', [slice('np', 'np-1', [{ port: 8000, protocol: 'TCP' }], [{ addresses: ['10.2.0.1'], conditions: { ready: true } }])]],
    ['empty', [slice('empty', 'empty-1', [{ name: 'http', port: 80 }], [{ addresses: ['10.3.0.1'], conditions: { ready: false } }])]],
  ]);
  const table = (paths: HTTPIngressPath[]) => RouteTable.build({
    ingresses: [ingress('i', [http(undefined, ...paths)])],
    service: (_ns, name) => services.get(name),
    endpointSlices: (_ns, name) => slices.get(name) ?? [],
  });
  const endpoints = (t: RouteTable, url: string) => t.match('h', url)?.backend.endpoints.map((e) => e.key);

  const t = table([
    path('/by-number', 'Prefix', 'multi', { number: 80 }),
    path('/by-name', 'Prefix', 'multi', { name: 'admin' }),
    path('/nodeport', 'Prefix', 'np', { number: 8000 }),
    path('/ext', 'Prefix', 'ext', { number: 443 }),
    path('/none', 'Prefix', 'empty', { name: 'http' }),
    path('/missing', 'Prefix', 'ghost', { number: 80 }),
    path('/badport', 'Prefix', 'multi', { number: 81 }),
  ]);

  test('a Service port by number resolves to the ready endpoints of its slice port (target port), deduplicated', () => {
    assert.deepEqual(endpoints(t, '/by-number'), ['10.1.0.1:8080', '10.1.0.2:8080', '10.1.0.4:8080']);
  });
  test('a Service port by name resolves to that port only', () => {
    assert.deepEqual(endpoints(t, '/by-name'), ['10.1.0.1:9900', '10.1.0.2:9900']);
    assert.equal(t.match('h', '/by-name')?.backend.id, 'ns/multi:admin');
  });
  test('NodePort Services are proxied to their endpoints like ClusterIP ones', () => {
    assert.deepEqual(endpoints(t, '/nodeport'), ['10.2.0.1:8000']);
  });
  test('ExternalName resolves to the external name on the Service port', () => {
    assert.deepEqual(endpoints(t, '/ext'), ['backend.example.org:443']);
  });
  test('no ready endpoints, a missing Service or port: an empty backend with the reason', () => {
    assert.match(t.match('h', '/none')?.backend.reason ?? '', /no ready endpoints/);
    assert.match(t.match('h', '/missing')?.backend.reason ?? '', /service ns\/ghost not found/);
    assert.match(t.match('h', '/badport')?.backend.reason ?? '', /has no port 81/);
    for (const u of ['/none', '/missing', '/badport']) assert.deepEqual(endpoints(t, u), []);
  });
  test('paths naming the same Service port share one backend; the table knows which Services it uses', () => {
    const t2 = table([path('/x', 'Prefix', 'multi'), path('/y', 'Exact', 'multi')]);
    assert.equal(t2.match('h', '/x')?.backend, t2.match('h', '/y')?.backend);
    assert.equal(t2.backends().length, 1);
    assert.ok(t2.usesService('ns/multi'));
    assert.ok(!t2.usesService('ns/np'));
  });
});

describe('TLS hosts', () => {
  const t = RouteTable.build(sources([
    ingress('old', [http('a.test', path('/', 'Prefix', 'a')), http('b.test', path('/', 'Prefix', 'a'))], {
      created: '2024-01-01T00:00:00Z', tls: [{ hosts: ['a.test', '*.wild.test'], secretName: 'one' }, { secretName: 'own-hosts' }],
    }),
    ingress('new', [], { created: '2024-01-02T00:00:00Z', tls: [{ hosts: ['a.test', 'c.test'], secretName: 'two' }] }),
  ]));
  const cases: [string, string | undefined][] = [
    ['a.test', 'ns/one'], ['A.TEST', 'ns/one'], ['x.wild.test', 'ns/one'], ['x.y.wild.test', undefined], ['wild.test', undefined],
    ['c.test', 'ns/two'], ['b.test', 'ns/own-hosts'], ['z.test', undefined],
  ];
  for (const [name, want] of cases) test(`${name} → ${want ?? 'default certificate'}`, () => assert.equal(t.tlsFor(name)?.secret, want));
  test('the table lists the Secrets it uses', () => assert.deepEqual([...t.secrets()].sort(), ['ns/one', 'ns/own-hosts', 'ns/two']));
});

test('host and path normalisation', () => {
  assert.equal(normalizeHost('Example.COM:443'), 'example.com');
  assert.equal(normalizeHost('[::1]:8443'), '[::1]');
  assert.equal(normalizeHost(undefined), '');
  assert.equal(requestPath('/a/b?c=d#e'), '/a/b');
  assert.equal(requestPath('/a#x'), '/a');
  assert.equal(requestPath('*'), '/');
  assert.equal(requestPath(''), '/');
});
