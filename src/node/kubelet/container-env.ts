/**
 * A container's environment, as the kubelet builds it: the Kubernetes service variables of the pod's namespace
 * (`<SVC>_SERVICE_HOST`, `<SVC>_PORT_<n>_TCP`, … when enableServiceLinks, and the `kubernetes` Service of
 * `default` always), then envFrom (ConfigMaps and Secrets, with prefix), then env — values with `$(VAR)`
 * references expanded, and valueFrom resolved: fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef.
 * Later sources override earlier ones. A missing, non-optional source fails with the kubelet's message, which the
 * caller reports as CreateContainerConfigError.
 */
import type { Container, EnvVar, Pod, Service } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import type { ObjectSource } from './object-source.js';

/** A failure to build a container's configuration (reported as CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** What resolving fieldRef/resourceFieldRef needs beyond the pod itself. */
export interface EnvContext {
  podIP: string;
  podIPs: string[];
  hostIP: string;
  /** Node allocatable, used for resourceFieldRef of unset limits. */
  nodeAllocatable: { cpu: string; memory: string; 'ephemeral-storage'?: string };
}

/**
 * Expands `$(VAR)` references from `lookup`; `$$` escapes a `$`, and an unknown reference is left as written,
 * as Kubernetes' expansion rules say.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = end;
    } else {
      out += ch;
    }
  }
  return out;
}

function serviceVarName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** The docker-links style variables of the Services visible to a pod. */
export function serviceEnv(services: Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ports = s.spec?.ports ?? [];
    if (ports.length === 0) continue;
    const name = serviceVarName(s.metadata?.name ?? '');
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${serviceVarName(p.name)}`] = String(p.port);
    const first = ports[0];
    const proto0 = (first.protocol ?? 'TCP').toLowerCase();
    env[`${name}_PORT`] = `${proto0}://${ip}:${first.port}`;
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP');
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      env[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = proto.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The value of a fieldRef path of a pod (metadata.name, metadata.labels['k'], status.podIP, …). */
export function fieldRefValue(pod: Pod, path: string, ctx: Pick<EnvContext, 'podIP' | 'podIPs' | 'hostIP'>): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIP;
    case 'status.hostIPs': return ctx.hostIP;
    case 'status.podIP': return ctx.podIP;
    case 'status.podIPs': return ctx.podIPs.join(',');
    default: throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

/** `k="v"` lines sorted by key: the downward API's format of labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

/** The value of a resourceFieldRef (limits.cpu, requests.memory, …) with its divisor; CPU rounds up. */
export function resourceFieldValue(c: Container | undefined, resource: string, divisor: string | undefined, ctx: Pick<EnvContext, 'nodeAllocatable'>): string {
  if (!c) throw new ContainerConfigError(`resourceFieldRef: container not found`);
  const [kind, name] = resource.split('.', 2) as ['limits' | 'requests', string];
  let q = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[name];
  if (q === undefined && kind === 'limits') q = ctx.nodeAllocatable[name as 'cpu'];
  if (q === undefined && kind === 'requests') q = name === 'cpu' || name === 'memory' ? '0' : undefined;
  const value = tryParseQuantity(String(q ?? '0'));
  const div = tryParseQuantity(divisor && divisor !== '0' ? divisor : '1');
  if (!value || !div) throw new ContainerConfigError(`invalid quantity for resourceFieldRef ${resource}`);
  if (name === 'cpu') return String(Math.ceil(value.milliValue() / Math.max(1, div.milliValue())));
  return String(Math.ceil(value.value() / Math.max(1, div.value())));
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** Builds a container's environment; see the module comment. Returns name/value pairs in a stable order. */
export async function containerEnv(pod: Pod, c: Container, src: ObjectSource, ctx: EnvContext): Promise<{ key: string; value: string }[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  const svc = new Map<string, string>();
  const serviceLinks = pod.spec?.enableServiceLinks !== false;
  const visible = serviceLinks ? src.services(ns) : [];
  if (ns !== 'default') visible.push(...src.services('default').filter((s) => s.metadata?.name === 'kubernetes'));
  else if (!serviceLinks) visible.push(...src.services('default').filter((s) => s.metadata?.name === 'kubernetes'));
  for (const [k, v] of Object.entries(serviceEnv(visible))) svc.set(k, v);

  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await src.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = await src.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, decodeSecret(v));
    }
  }
  const lookup = (name: string) => env.get(name) ?? svc.get(name);
  for (const e of c.env ?? []) {
    const value = await envValue(pod, c, e, src, ctx, lookup);
    if (value !== undefined) env.set(e.name, value);
  }
  for (const [k, v] of svc) if (!env.has(k)) env.set(k, v);
  return [...env].map(([key, value]) => ({ key, value }));
}

async function envValue(pod: Pod, c: Container, e: EnvVar, src: ObjectSource, ctx: EnvContext, lookup: (n: string) => string | undefined): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vf = e.valueFrom;
  if (!vf) return expandVars(e.value ?? '', lookup);
  if (vf.fieldRef) return fieldRefValue(pod, vf.fieldRef.fieldPath, ctx);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === vf.resourceFieldRef!.containerName)
      : c;
    return resourceFieldValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined, ctx);
  }
  if (vf.configMapKeyRef) {
    const ref = vf.configMapKeyRef;
    const cm = await src.configMap(ns, ref.name ?? '');
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const v = cm.data?.[ref.key] ?? (cm.binaryData?.[ref.key] !== undefined ? decodeSecret(cm.binaryData[ref.key]) : undefined);
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return v;
  }
  if (vf.secretKeyRef) {
    const ref = vf.secretKeyRef;
    const s = await src.secret(ns, ref.name ?? '');
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const v = s.data?.[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return decodeSecret(v);
  }
  return '';
}
