/**
 * Builds a protobufjs Root for the Kubernetes protobuf packages from the schema data, so no .proto files are
 * checked in. Message and field names follow k8s.io's generated.proto (package `k8s.io.api.core.v1`, …); special
 * kinds get the message layouts described in model.ts.
 */
import protobuf from 'protobufjs';
import { schemaFiles } from '../schema/schema-registry.js';
import type { SpecialKind, TypeSchema } from '../schema/model.js';

/** The protobuf message layout of each special kind (see SpecialKind in model.ts). */
const SPECIAL_LAYOUTS: Record<SpecialKind, [name: string, id: number, type: string, rule?: 'repeated'][]> = {
  'quantity': [['string', 1, 'string']],
  'int-or-string': [['type', 1, 'int64'], ['intVal', 2, 'int32'], ['strVal', 3, 'string']],
  'time': [['seconds', 1, 'int64'], ['nanos', 2, 'int32']],
  'micro-time': [['seconds', 1, 'int64'], ['nanos', 2, 'int32']],
  'duration': [['duration', 1, 'int64']],
  'raw-extension': [['raw', 1, 'bytes']],
  'fields-v1': [['Raw', 1, 'bytes']],
  'json': [['raw', 1, 'bytes']],
  'string-list': [['items', 1, 'string', 'repeated']],
};

/** The protobuf full name of a schema type id: `io.k8s.api.core.v1.Pod` → `k8s.io.api.core.v1.Pod`. */
export function protoTypeName(typeId: string): string {
  return typeId.startsWith('io.k8s.') ? `k8s.io.${typeId.slice('io.k8s.'.length)}` : typeId;
}

/** A scalar name, or the fully qualified (leading dot) protobuf name of a referenced type. */
function protoRef(type: string): string {
  return type.includes('.') ? `.${protoTypeName(type)}` : type;
}

function buildType(t: TypeSchema): protobuf.Type {
  const name = t.id.slice(t.id.lastIndexOf('.') + 1);
  const type = new protobuf.Type(name);
  if (t.special) {
    for (const [fname, id, ftype, rule] of SPECIAL_LAYOUTS[t.special]) type.add(new protobuf.Field(fname, id, ftype, rule));
    return type;
  }
  for (const f of t.fields) {
    if (f.number === 0) continue; // apiVersion/kind travel in the runtime.Unknown envelope
    const fname = f.protoName ?? f.name;
    if (f.map) type.add(new protobuf.MapField(fname, f.number, 'string', protoRef(f.type)));
    else type.add(new protobuf.Field(fname, f.number, protoRef(f.type), f.repeated ? 'repeated' : 'optional'));
  }
  return type;
}

let cached: protobuf.Root | undefined;

/**
 * The Root holding every schema type under its protobuf name (e.g. `k8s.io.api.apps.v1.Deployment`), built once.
 * Repeated scalars are unpacked, as in Kubernetes' proto2 files.
 */
export function kubernetesRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  for (const file of schemaFiles()) {
    const ns = root.define(protoTypeName(file.idPrefix));
    for (const t of file.types) ns.add(buildType(t));
  }
  root.resolveAll();
  cached = root;
  return root;
}

/** The protobufjs Type for a schema type id; throws if the id is unknown. */
export function protoType(typeId: string): protobuf.Type {
  return kubernetesRoot().lookupType(protoTypeName(typeId));
}
