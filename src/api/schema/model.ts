/**
 * The shape of the project's type data: the one source of truth from which OpenAPI documents, unknown-field checks,
 * protobuf decoding, strategic-merge-patch metadata and `kubectl explain` are all derived.
 *
 * The data itself lives in JSON files beside this module (one per API group-version, plus the apimachinery types).
 * Field names, types, protobuf field numbers and list/patch markers are Kubernetes facts; descriptions are ours.
 *
 * Type ids use the OpenAPI definition names, e.g. `io.k8s.api.core.v1.Pod`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, `io.k8s.apimachinery.pkg.api.resource.Quantity`.
 */

/** Scalar field types, named as in protobuf. */
export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';

/**
 * Types whose JSON form differs from their protobuf message (handled specially by every consumer):
 * - `quantity`: JSON string ("100m", "1Gi"); proto message { string string = 1 }.
 * - `int-or-string`: JSON number or string; proto { int64 type = 1; int32 intVal = 2; string strVal = 3 }.
 * - `time` / `micro-time`: JSON RFC 3339 string; proto { int64 seconds = 1; int32 nanos = 2 }.
 * - `duration`: JSON Go duration string ("1m30s"); proto { int64 duration = 1 } (nanoseconds).
 * - `raw-extension`: any JSON object; proto { bytes raw = 1 } holding JSON (or protobuf) bytes.
 * - `fields-v1`: any JSON object (managedFields); proto { bytes Raw = 1 } holding JSON.
 * - `json`: arbitrary JSON (apiextensions JSON); proto { bytes raw = 1 }.
 * - `string-list`: JSON array of strings (Go named slices such as authentication's ExtraValue and meta's Verbs);
 *   proto { repeated string items = 1 }.
 */
export type SpecialKind =
  | 'quantity' | 'int-or-string' | 'time' | 'micro-time' | 'duration' | 'raw-extension' | 'fields-v1' | 'json' | 'string-list';

/** One field of a message type. */
export interface FieldSchema {
  /** The JSON (and protobuf) field name, e.g. `containers`. */
  name: string;
  /**
   * The protobuf field number from k8s.io/api's generated.proto. 0 for fields protobuf does not carry: `apiVersion`
   * and `kind` of top-level kinds, which travel in the runtime.Unknown envelope instead.
   */
  number: number;
  /** The protobuf field name, only where it differs from the JSON name (e.g. `aPIGroup` for `apiGroup`, `uID`). */
  protoName?: string;
  /**
   * Go `json:",inline"`: in JSON, the fields of `type` appear directly in this object (e.g. Probe's `handler` holds
   * exec/httpGet/tcpSocket/grpc, Volume's `volumeSource` holds configMap/emptyDir/…). `name` is then the proto name and
   * never appears in JSON.
   */
  inline?: boolean;
  /**
   * Go's JSON encoding writes this scalar even when it holds its zero value (a pointer field such as
   * `replicas *int32`, or a field without `omitempty`). Protobuf always carries non-pointer scalars, so a decoder uses
   * this to tell `replicas: 0` (set) from `generation: 0` (merely not omitted).
   */
  keepsZero?: boolean;
  /** A ScalarType, or the id of another type (e.g. `io.k8s.api.core.v1.Container`). For maps: the value type. */
  type: string;
  /** A list (`repeated` in protobuf, array in JSON). */
  repeated?: boolean;
  /** A map (`map<string, type>` in protobuf, object in JSON); keys are always strings here. */
  map?: boolean;
  /** Short, plain description of our own. */
  description: string;
  /** Required in the API (no `+optional` marker and documented as required). */
  required?: boolean;
  /** Strategic merge patch strategy (`merge`, `replace`, `retainKeys`, `merge,retainKeys`). */
  patchStrategy?: string;
  /** Strategic merge patch merge key for lists of objects, e.g. `name`, `containerPort`, `mountPath`. */
  patchMergeKey?: string;
  /** Server-side apply list semantics (`atomic`, `set`, `map`). */
  listType?: 'atomic' | 'set' | 'map';
  /** Keys of a `listType: map` list. */
  listMapKeys?: string[];
  /** Server-side apply map semantics. */
  mapType?: 'atomic' | 'granular';
  /** Allowed values where the API enumerates them (e.g. restartPolicy). */
  enum?: string[];
  /** The default value Kubernetes applies, when it documents one. */
  default?: unknown;
}

/** A message type. */
export interface TypeSchema {
  /** The type id, e.g. `io.k8s.api.core.v1.PodSpec`. */
  id: string;
  /** Short, plain description of our own. */
  description: string;
  /** Fields in protobuf field-number order. Empty for special kinds. */
  fields: FieldSchema[];
  /** Set for the types whose JSON form is not an object of their fields. */
  special?: SpecialKind;
  /** For top-level kinds: the group/version/kind(s) the type is served as. */
  gvk?: { group: string; version: string; kind: string }[];
  /** SSA struct semantics (`atomic` for a few types such as LabelSelectorRequirement's parents). */
  structType?: 'atomic' | 'granular';
}

/** One file of type data: the types of one protobuf package (one API group-version, or an apimachinery package). */
export interface SchemaFile {
  /** The protobuf package, e.g. `k8s.io.api.core.v1`. */
  protoPackage: string;
  /** The OpenAPI id prefix of this package, e.g. `io.k8s.api.core.v1`. */
  idPrefix: string;
  types: TypeSchema[];
}
