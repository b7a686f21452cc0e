/**
 * Turns a Swagger 2.0 document (plain JSON) into gnostic's `openapi.v2.Document` protobuf, the body kube-apiserver
 * sends for `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`. kubectl 1.27/1.28 validate with it,
 * and every kubectl version reads it for client-side apply's patch metadata.
 *
 * Vendor extensions, defaults and enum values are gnostic `Any`s whose `yaml` string holds the value; we write that
 * value as JSON, which is valid YAML and is what kubectl's YAML unmarshalling accepts.
 */
import type protobuf from 'protobufjs';
import { gnosticType } from './gnostic-descriptor.js';
import type { JsonSchema } from './schema-json.js';

type Msg = Record<string, unknown>;

function any(value: unknown): Msg {
  return { yaml: JSON.stringify(value) };
}

function extensions(obj: JsonSchema): Msg[] | undefined {
  let out: Msg[] | undefined;
  for (const [name, value] of Object.entries(obj)) {
    if (name.startsWith('x-')) (out ??= []).push({ name, value: any(value) });
  }
  return out;
}

/** A JSON schema object as a gnostic `Schema` message. */
export function schemaMessage(s: JsonSchema): Msg {
  const m: Msg = {};
  if (typeof s.$ref === 'string') m.ref = s.$ref;
  if (typeof s.format === 'string') m.format = s.format;
  if (typeof s.description === 'string') m.description = s.description;
  if (s.default !== undefined) m.default = any(s.default);
  if (Array.isArray(s.required)) m.required = s.required;
  if (Array.isArray(s.enum)) m.enum = s.enum.map(any);
  if (s.additionalProperties !== undefined) {
    m.additionalProperties = typeof s.additionalProperties === 'boolean'
      ? { boolean: s.additionalProperties }
      : { schema: schemaMessage(s.additionalProperties as JsonSchema) };
  }
  if (typeof s.type === 'string') m.type = { value: [s.type] };
  if (s.items !== undefined) m.items = { schema: [schemaMessage(s.items as JsonSchema)] };
  if (Array.isArray(s.allOf)) m.allOf = (s.allOf as JsonSchema[]).map(schemaMessage);
  if (s.properties !== undefined) {
    m.properties = {
      additionalProperties: Object.entries(s.properties as Record<string, JsonSchema>).map(([name, v]) => ({ name, value: schemaMessage(v) })),
    };
  }
  const ext = extensions(s);
  if (ext) m.vendorExtension = ext;
  return m;
}

const paramMessages = new WeakMap<JsonSchema, Msg>();

/** A parameter as a gnostic `ParametersItem`; the same JSON object always yields the same message object. */
function parameterMessage(p: JsonSchema): Msg {
  let m = paramMessages.get(p);
  if (!m) paramMessages.set(p, (m = newParameterMessage(p)));
  return m;
}

function newParameterMessage(p: JsonSchema): Msg {
  if (p.in === 'body') {
    return { parameter: { bodyParameter: {
      description: p.description, name: p.name, in: p.in, required: p.required === true, schema: schemaMessage(p.schema as JsonSchema),
    } } };
  }
  const sub: Msg = { required: p.required === true, in: p.in, description: p.description, name: p.name, type: p.type };
  if (p.uniqueItems === true) sub.uniqueItems = true;
  const key = p.in === 'path' ? 'pathParameterSubSchema' : 'queryParameterSubSchema';
  return { parameter: { nonBodyParameter: { [key]: sub } } };
}

function operationMessage(o: JsonSchema): Msg {
  const responses = Object.entries(o.responses as Record<string, JsonSchema>).map(([name, r]) => {
    const response: Msg = { description: r.description };
    if (r.schema) response.schema = { schema: schemaMessage(r.schema as JsonSchema) };
    return { name, value: { response } };
  });
  return {
    tags: o.tags, description: o.description, operationId: o.operationId, produces: o.produces, consumes: o.consumes,
    parameters: ((o.parameters as JsonSchema[] | undefined) ?? []).map(parameterMessage),
    responses: { responseCode: responses }, schemes: o.schemes, vendorExtension: extensions(o),
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** A field of a gnostic message, resolved once from the descriptor for the encoder. */
interface FieldPlan {
  name: string;
  /** The key byte(s): field number and wire type. */
  key: number[];
  kind: 'string' | 'bool' | 'message';
  repeated: boolean;
  type?: protobuf.Type;
}

const plans = new Map<protobuf.Type, FieldPlan[]>();

function planFor(type: protobuf.Type): FieldPlan[] {
  let plan = plans.get(type);
  if (plan) return plan;
  type.resolveAll();
  plan = type.fieldsArray.map((f) => {
    const kind = f.type === 'string' ? 'string' : f.type === 'bool' ? 'bool' : 'message';
    const wire = kind === 'bool' ? 0 : 2;
    return {
      name: f.name, key: varint((f.id << 3) | wire), kind, repeated: f.repeated,
      type: kind === 'message' ? (f.resolvedType as protobuf.Type) : undefined,
    };
  });
  plans.set(type, plan);
  return plan;
}

function varint(n: number): number[] {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return bytes;
}

/**
 * A single-pass encoder that reflects over the descriptor and writes into one growing buffer. A length prefix is
 * written after its content: one byte is reserved, and the content is shifted in the rare case its length needs
 * more. ParametersItem messages, shared by hundreds of operations, are written once and copied afterwards.
 * protobufjs' own encoder spent most of its time allocating for a document this size.
 */
class Encoder {
  #buf = Buffer.allocUnsafe(1 << 20);
  #pos = 0;
  readonly #shared = new WeakMap<object, Buffer>();
  readonly #sharedType = gnosticType('ParametersItem');

  encode(type: protobuf.Type, obj: Msg): Buffer {
    this.#message(type, obj);
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }

  #ensure(extra: number): void {
    if (this.#pos + extra <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + extra));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Writes the varint length of the content written since `start` (where one byte was reserved). */
  #finishLength(start: number): void {
    const len = this.#pos - start - 1;
    if (len < 0x80) {
      this.#buf[start] = len;
      return;
    }
    let width = 1;
    for (let n = len; n > 0x7f; n >>>= 7) width++;
    this.#ensure(width - 1);
    this.#buf.copyWithin(start + width, start + 1, this.#pos);
    this.#pos += width - 1;
    let n = len;
    let at = start;
    while (n > 0x7f) {
      this.#buf[at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.#buf[at] = n;
  }

  #message(type: protobuf.Type, obj: Msg): void {
    for (const f of planFor(type)) {
      const v = obj[f.name];
      if (v == null || v === '') continue;
      if (f.repeated) for (const item of v as unknown[]) this.#field(f, item);
      else this.#field(f, v);
    }
  }

  #field(f: FieldPlan, v: unknown): void {
    if (f.kind === 'bool' && v !== true) return;
    this.#ensure(f.key.length + 1);
    for (const b of f.key) this.#buf[this.#pos++] = b;
    if (f.kind === 'bool') {
      this.#buf[this.#pos++] = 1;
      return;
    }
    const start = this.#pos++;
    if (f.kind === 'string') {
      const s = v as string;
      this.#ensure(s.length * 3);
      this.#pos += this.#buf.write(s, this.#pos);
    } else if (f.type === this.#sharedType) {
      const bytes = this.#shared.get(v as object);
      if (bytes) {
        this.#ensure(bytes.length);
        this.#pos += bytes.copy(this.#buf, this.#pos);
      } else {
        const from = this.#pos;
        this.#message(f.type, v as Msg);
        // A copy, not a position: finishing an enclosing message may shift these bytes.
        this.#shared.set(v as object, Buffer.from(this.#buf.subarray(from, this.#pos)));
      }
    } else {
      this.#message(f.type as protobuf.Type, v as Msg);
    }
    this.#finishLength(start);
  }
}

/** Encodes a Swagger 2.0 JSON document as a gnostic `openapi.v2.Document`. */
export function encodeGnostic(doc: JsonSchema): Buffer {
  const info = doc.info as JsonSchema;
  const paths = Object.entries(doc.paths as Record<string, JsonSchema>).map(([name, item]) => {
    const value: Msg = {};
    for (const m of METHODS) if (item[m]) value[m] = operationMessage(item[m] as JsonSchema);
    if (item.parameters) value.parameters = (item.parameters as JsonSchema[]).map(parameterMessage);
    return { name, value };
  });
  const definitions = Object.entries(doc.definitions as Record<string, JsonSchema>).map(([name, s]) => ({ name, value: schemaMessage(s) }));
  const message = {
    swagger: doc.swagger,
    info: { title: info.title, version: info.version },
    paths: { path: paths },
    definitions: { additionalProperties: definitions },
  };
  return new Encoder().encode(gnosticType('Document'), message);
}

/** Decodes a gnostic `openapi.v2.Document` (for tests and diagnostics). */
export function decodeGnostic(bytes: Uint8Array): Msg {
  const type = gnosticType('Document');
  return type.toObject(type.decode(bytes), { defaults: false, arrays: true, oneofs: true }) as Msg;
}
