/**
 * The subset of gnostic's `openapi.v2` protobuf messages that kube-apiserver's `/openapi/v2` protobuf answer uses,
 * as a protobufjs JSON descriptor. Message names and field numbers are those of google/gnostic
 * `openapiv2/OpenAPIv2.proto` (a wire-format fact); fields kubelite never sets are left out, which decoders skip.
 */
import protobuf from 'protobufjs';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;

function msg(fields: Fields, oneof?: string[]): object {
  return oneof ? { fields, oneofs: { oneof: { oneof } } } : { fields };
}

const rep = (type: string, id: number): { type: string; id: number; rule: 'repeated' } => ({ type, id, rule: 'repeated' });

const V2 = {
  Document: msg({
    swagger: { type: 'string', id: 1 }, info: { type: 'Info', id: 2 }, host: { type: 'string', id: 3 },
    basePath: { type: 'string', id: 4 }, schemes: rep('string', 5), consumes: rep('string', 6), produces: rep('string', 7),
    paths: { type: 'Paths', id: 8 }, definitions: { type: 'Definitions', id: 9 }, vendorExtension: rep('NamedAny', 16),
  }),
  Info: msg({ title: { type: 'string', id: 1 }, version: { type: 'string', id: 2 }, description: { type: 'string', id: 3 } }),
  Paths: msg({ vendorExtension: rep('NamedAny', 1), path: rep('NamedPathItem', 2) }),
  NamedPathItem: msg({ name: { type: 'string', id: 1 }, value: { type: 'PathItem', id: 2 } }),
  PathItem: msg({
    ref: { type: 'string', id: 1 }, get: { type: 'Operation', id: 2 }, put: { type: 'Operation', id: 3 },
    post: { type: 'Operation', id: 4 }, delete: { type: 'Operation', id: 5 }, options: { type: 'Operation', id: 6 },
    head: { type: 'Operation', id: 7 }, patch: { type: 'Operation', id: 8 }, parameters: rep('ParametersItem', 9),
    vendorExtension: rep('NamedAny', 10),
  }),
  Operation: msg({
    tags: rep('string', 1), summary: { type: 'string', id: 2 }, description: { type: 'string', id: 3 },
    operationId: { type: 'string', id: 5 }, produces: rep('string', 6), consumes: rep('string', 7),
    parameters: rep('ParametersItem', 8), responses: { type: 'Responses', id: 9 }, schemes: rep('string', 10),
    deprecated: { type: 'bool', id: 11 }, vendorExtension: rep('NamedAny', 13),
  }),
  ParametersItem: msg({ parameter: { type: 'Parameter', id: 1 }, jsonReference: { type: 'JsonReference', id: 2 } }, ['parameter', 'jsonReference']),
  Parameter: msg({ bodyParameter: { type: 'BodyParameter', id: 1 }, nonBodyParameter: { type: 'NonBodyParameter', id: 2 } }, ['bodyParameter', 'nonBodyParameter']),
  BodyParameter: msg({
    description: { type: 'string', id: 1 }, name: { type: 'string', id: 2 }, in: { type: 'string', id: 3 },
    required: { type: 'bool', id: 4 }, schema: { type: 'Schema', id: 5 }, vendorExtension: rep('NamedAny', 6),
  }),
  NonBodyParameter: msg({
    headerParameterSubSchema: { type: 'HeaderParameterSubSchema', id: 1 },
    formDataParameterSubSchema: { type: 'FormDataParameterSubSchema', id: 2 },
    queryParameterSubSchema: { type: 'QueryParameterSubSchema', id: 3 },
    pathParameterSubSchema: { type: 'PathParameterSubSchema', id: 4 },
  }, ['headerParameterSubSchema', 'formDataParameterSubSchema', 'queryParameterSubSchema', 'pathParameterSubSchema']),
  // Header and form-data parameters are never produced; their messages stay empty so the oneof resolves.
  HeaderParameterSubSchema: msg({ name: { type: 'string', id: 4 } }),
  FormDataParameterSubSchema: msg({ name: { type: 'string', id: 4 } }),
  QueryParameterSubSchema: msg({
    required: { type: 'bool', id: 1 }, in: { type: 'string', id: 2 }, description: { type: 'string', id: 3 },
    name: { type: 'string', id: 4 }, allowEmptyValue: { type: 'bool', id: 5 }, type: { type: 'string', id: 6 },
    format: { type: 'string', id: 7 }, uniqueItems: { type: 'bool', id: 20 }, vendorExtension: rep('NamedAny', 23),
  }),
  PathParameterSubSchema: msg({
    required: { type: 'bool', id: 1 }, in: { type: 'string', id: 2 }, description: { type: 'string', id: 3 },
    name: { type: 'string', id: 4 }, type: { type: 'string', id: 5 }, format: { type: 'string', id: 6 },
    uniqueItems: { type: 'bool', id: 19 }, vendorExtension: rep('NamedAny', 22),
  }),
  JsonReference: msg({ ref: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } }),
  Responses: msg({ responseCode: rep('NamedResponseValue', 1), vendorExtension: rep('NamedAny', 2) }),
  NamedResponseValue: msg({ name: { type: 'string', id: 1 }, value: { type: 'ResponseValue', id: 2 } }),
  ResponseValue: msg({ response: { type: 'Response', id: 1 }, jsonReference: { type: 'JsonReference', id: 2 } }, ['response', 'jsonReference']),
  Response: msg({
    description: { type: 'string', id: 1 }, schema: { type: 'SchemaItem', id: 2 }, vendorExtension: rep('NamedAny', 5),
  }),
  SchemaItem: msg({ schema: { type: 'Schema', id: 1 } }, ['schema']),
  Schema: msg({
    ref: { type: 'string', id: 1 }, format: { type: 'string', id: 2 }, title: { type: 'string', id: 3 },
    description: { type: 'string', id: 4 }, default: { type: 'Any', id: 5 }, required: rep('string', 19),
    enum: rep('Any', 20), additionalProperties: { type: 'AdditionalPropertiesItem', id: 21 }, type: { type: 'TypeItem', id: 22 },
    items: { type: 'ItemsItem', id: 23 }, allOf: rep('Schema', 24), properties: { type: 'Properties', id: 25 },
    readOnly: { type: 'bool', id: 27 }, vendorExtension: rep('NamedAny', 31),
  }),
  NamedSchema: msg({ name: { type: 'string', id: 1 }, value: { type: 'Schema', id: 2 } }),
  Properties: msg({ additionalProperties: rep('NamedSchema', 1) }),
  Definitions: msg({ additionalProperties: rep('NamedSchema', 1) }),
  AdditionalPropertiesItem: msg({ schema: { type: 'Schema', id: 1 }, boolean: { type: 'bool', id: 2 } }, ['schema', 'boolean']),
  TypeItem: msg({ value: rep('string', 1) }),
  ItemsItem: msg({ schema: rep('Schema', 1) }),
  NamedAny: msg({ name: { type: 'string', id: 1 }, value: { type: 'Any', id: 2 } }),
  Any: msg({ value: { type: 'google.protobuf.Any', id: 1 }, yaml: { type: 'string', id: 2 } }),
};

const DESCRIPTOR = {
  nested: {
    openapi: { nested: { v2: { nested: V2 } } },
    google: { nested: { protobuf: { nested: { Any: msg({ typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } }) } } } },
  },
};

let root: protobuf.Root | undefined;

/** The `openapi.v2.<name>` message type (the descriptor is loaded once). */
export function gnosticType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(DESCRIPTOR as protobuf.INamespace);
  return root.lookupType(`openapi.v2.${name}`);
}
