/**
 * Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`), which kubectl 1.32+ POSTs for typed-client
 * commands (`create namespace|deployment|configmap|secret|…`, `create token`, `autoscale`, `auth can-i`).
 *
 * Wire format: the 4-byte magic `k8s\0`, then a runtime.Unknown message { typeMeta(1) { apiVersion(1), kind(2) },
 * raw(2), contentEncoding(3), contentType(4) } whose `raw` is the object's own message.
 *
 * Decoding produces the JSON the same Go client would have sent as JSON: Go's encoding/json drops zero values of
 * `omitempty` fields, and protobuf always carries non-pointer scalars, so a zero scalar is kept only where the
 * schema says Go keeps it (`keepsZero`). Empty lists and maps are dropped; nested structs stay (Go writes `{}`).
 */
import type protobuf from 'protobufjs';
import { badRequest } from '../../apimachinery/errors/status-error.js';
import { getType, isScalar, typeForKind } from '../schema/schema-registry.js';
import type { FieldSchema, TypeSchema } from '../schema/model.js';
import { protoType } from './protobuf-root.js';

/** The magic prefix of every Kubernetes protobuf body. */
export const PROTOBUF_MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const UNKNOWN_TYPE = 'io.k8s.apimachinery.pkg.runtime.Unknown';

/** A decoded body: its apiVersion and kind, and the object in JSON form (apiVersion and kind included). */
export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

type Msg = Record<string, unknown>;
type LongLike = { toNumber(): number; low: number; high: number };

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as LongLike).toNumber();
  return Number(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Time and duration formatting (Go's RFC 3339 and time.Duration.String forms).

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

function parseRfc3339(s: string): { seconds: number; nanos: number } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(s);
  if (!m) throw badRequest(`parsing time "${s}" as RFC 3339 failed`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) throw badRequest(`parsing time "${s}" as RFC 3339 failed`);
  return { seconds: Math.floor(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

const UNITS: [string, number][] = [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['µs', 1e3], ['ns', 1]];

/** Formats nanoseconds as Go's time.Duration.String does: `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  let n = Math.abs(nanos);
  const frac = (v: number, unit: number): string => {
    const whole = Math.floor(v / unit);
    const rest = v % unit;
    if (rest === 0) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${frac(n, 1e3)}µs`;
  if (n < 1e9) return `${sign}${frac(n, 1e6)}ms`;
  let out = '';
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  return `${sign}${out}${frac(n, 1e9)}s`;
}

/** Parses a Go duration string (`1h30m`, `90s`, `1.5ms`) into nanoseconds. */
export function parseGoDuration(s: string): number {
  if (s === '0') return 0;
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:h|m|s|ms|us|µs|ns))+$/.exec(s);
  if (!m) throw badRequest(`time: invalid duration "${s}"`);
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(part[1]) * (UNITS.find(([u]) => u === part[2]) as [string, number])[1];
  }
  return Math.round(m[1] === '-' ? -total : total);
}

// ---------------------------------------------------------------------------------------------------------------
// protobuf message → JSON

function isZeroScalar(v: unknown): boolean {
  if (v === 0 || v === '' || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (typeof v === 'object' && v !== null && 'low' in v) return (v as LongLike).low === 0 && (v as LongLike).high === 0;
  return false;
}

function scalarToJson(type: string, v: unknown): unknown {
  if (type === 'int64') return toNumber(v);
  if (type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  return v;
}

function parseEmbeddedJson(raw: Uint8Array | undefined): unknown {
  if (!raw || raw.length === 0) return undefined;
  if (raw.length >= 4 && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0x00) {
    return decodeKubernetesProtobuf(raw).object;
  }
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (err) {
    throw badRequest(`unable to decode embedded object: ${(err as Error).message}`);
  }
}

function specialToJson(t: TypeSchema, msg: Msg): unknown {
  switch (t.special) {
    case 'quantity':
      return (msg.string as string | undefined) || '0'; // a zero Quantity marshals as "0"
    case 'int-or-string':
      return toNumber(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : (msg.intVal ?? 0);
    case 'time':
    case 'micro-time': {
      const seconds = toNumber(msg.seconds ?? 0);
      const nanos = toNumber(msg.nanos ?? 0);
      // A zero Time marshals as null; leaving it out is what a JSON client's omitempty-free null means.
      if (seconds === 0 && nanos === 0) return undefined;
      return rfc3339(seconds, nanos, t.special === 'micro-time');
    }
    case 'duration':
      return formatGoDuration(toNumber(msg.duration ?? 0));
    case 'raw-extension':
    case 'json':
      return parseEmbeddedJson(msg.raw as Uint8Array | undefined);
    case 'fields-v1':
      return parseEmbeddedJson(msg.Raw as Uint8Array | undefined);
    case 'string-list':
      return [...((msg.items as string[] | undefined) ?? [])];
    default:
      return undefined;
  }
}

function valueToJson(type: string, v: unknown): unknown {
  if (isScalar(type)) return scalarToJson(type, v);
  return messageToJson(type, v as Msg);
}

function setFieldJson(out: Msg, f: FieldSchema, msg: Msg): void {
  const pname = f.protoName ?? f.name;
  if (!hasOwn(msg, pname)) return;
  const v = msg[pname];
  if (v === null || v === undefined) return;
  if (f.repeated) {
    const arr = v as unknown[];
    if (arr.length) out[f.name] = arr.map((x) => valueToJson(f.type, x));
  } else if (f.map) {
    const entries = Object.entries(v as Msg);
    if (entries.length) out[f.name] = Object.fromEntries(entries.map(([k, x]) => [k, valueToJson(f.type, x)]));
  } else if (f.inline) {
    Object.assign(out, messageToJson(f.type, v as Msg));
  } else if (isScalar(f.type)) {
    if (!isZeroScalar(v) || f.keepsZero) out[f.name] = scalarToJson(f.type, v);
  } else {
    const j = messageToJson(f.type, v as Msg);
    if (j !== undefined) out[f.name] = j;
  }
}

function messageToJson(typeId: string, msg: Msg): unknown {
  const t = getType(typeId);
  if (!t) throw new Error(`schema has no type ${typeId}`);
  if (t.special) return specialToJson(t, msg);
  const out: Msg = {};
  for (const f of t.fields) if (f.number !== 0) setFieldJson(out, f, msg);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON → protobuf message (plain objects protobufjs can encode)

function scalarFromJson(type: string, v: unknown): unknown {
  if (type === 'bytes') return typeof v === 'string' ? Buffer.from(v, 'base64') : v;
  return v;
}

function embeddedJson(v: unknown): Uint8Array | undefined {
  return v === undefined || v === null ? undefined : Buffer.from(JSON.stringify(v));
}

function specialFromJson(t: TypeSchema, v: unknown): Msg {
  switch (t.special) {
    case 'quantity':
      return { string: String(v) };
    case 'int-or-string':
      return typeof v === 'number' ? { type: 0, intVal: v } : { type: 1, strVal: String(v) };
    case 'time':
    case 'micro-time':
      return parseRfc3339(String(v));
    case 'duration':
      return { duration: parseGoDuration(String(v)) };
    case 'raw-extension':
    case 'json':
      return { raw: embeddedJson(v) };
    case 'fields-v1':
      return { Raw: embeddedJson(v) };
    case 'string-list':
      return { items: v };
    default:
      return {};
  }
}

function valueFromJson(type: string, v: unknown): unknown {
  return isScalar(type) ? scalarFromJson(type, v) : messageFromJson(type, v);
}

function messageFromJson(typeId: string, value: unknown): Msg {
  const t = getType(typeId);
  if (!t) throw new Error(`schema has no type ${typeId}`);
  if (t.special) return specialFromJson(t, value);
  const obj = (value ?? {}) as Msg;
  const out: Msg = {};
  for (const f of t.fields) {
    if (f.number === 0) continue;
    const pname = f.protoName ?? f.name;
    if (f.inline) {
      out[pname] = messageFromJson(f.type, obj);
      continue;
    }
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) out[pname] = (v as unknown[]).map((x) => valueFromJson(f.type, x));
    else if (f.map) out[pname] = Object.fromEntries(Object.entries(v as Msg).map(([k, x]) => [k, valueFromJson(f.type, x)]));
    else out[pname] = valueFromJson(f.type, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The envelope

function decodeWith(type: protobuf.Type, bytes: Uint8Array, what: string): Msg {
  try {
    return type.decode(bytes) as unknown as Msg;
  } catch (err) {
    throw badRequest(`unable to decode protobuf ${what}: ${(err as Error).message}`);
  }
}

/**
 * Decodes a Kubernetes protobuf body into its apiVersion, kind and JSON object. Throws a 400 StatusError on a
 * missing magic, a kind the schema does not serve, an unsupported content encoding, or malformed bytes.
 */
export function decodeKubernetesProtobuf(bytes: Uint8Array): DecodedObject {
  if (bytes.length < 4 || PROTOBUF_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw badRequest('provided protobuf body does not start with the Kubernetes magic prefix "k8s\\x00"');
  }
  const unknown = decodeWith(protoType(UNKNOWN_TYPE), bytes.subarray(4), 'envelope');
  const typeMeta = (unknown.typeMeta ?? {}) as Msg;
  const apiVersion = (typeMeta.apiVersion as string | undefined) ?? '';
  const kind = (typeMeta.kind as string | undefined) ?? '';
  if (!kind) throw badRequest('Object \'Kind\' is missing in protobuf body');
  if (unknown.contentEncoding) throw badRequest(`unsupported protobuf content encoding "${String(unknown.contentEncoding)}"`);
  const { group, version } = splitApiVersion(apiVersion);
  const t = typeForKind(group, version, kind);
  if (!t) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const msg = decodeWith(protoType(t.id), (unknown.raw as Uint8Array | undefined) ?? new Uint8Array(), `${kind} body`);
  let body: Msg;
  try {
    body = messageToJson(t.id, msg) as Msg;
  } catch (err) {
    if ((err as { name?: string }).name === 'StatusError') throw err;
    throw badRequest(`unable to decode protobuf ${kind} body: ${(err as Error).message}`);
  }
  return { apiVersion, kind, object: { apiVersion, kind, ...body } };
}

/**
 * Encodes a JSON object as a Kubernetes protobuf body (magic + runtime.Unknown), as a Go client would send it.
 * Used by tests and by anything that must speak protobuf to a Kubernetes server.
 */
export function encodeKubernetesProtobuf(apiVersion: string, kind: string, object: Record<string, unknown>): Uint8Array {
  const { group, version } = splitApiVersion(apiVersion);
  const t = typeForKind(group, version, kind);
  if (!t) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const raw = protoType(t.id).encode(messageFromJson(t.id, object)).finish();
  const envelope = protoType(UNKNOWN_TYPE)
    .encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })
    .finish();
  const out = new Uint8Array(4 + envelope.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(envelope, 4);
  return out;
}
