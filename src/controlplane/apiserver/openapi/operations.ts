/**
 * The REST operations of each served resource, in a dialect-neutral form that v2.ts and v3.ts render. The paths,
 * operation ids, `x-kubernetes-action` values and parameter names follow kube-apiserver's published documents:
 * kubectl's field-validation check looks for the PATCH operation whose `x-kubernetes-group-version-kind` matches the
 * object and for a `fieldValidation` parameter on that operation itself (path-level parameters are not consulted).
 */
import type { ResourceInfo, SubresourceInfo } from '../../../api/resources.js';
import { META, type Gvk, type TypeIndex } from './type-index.js';
import type { JsonSchema } from './schema-json.js';

/** A query or path parameter. */
export interface ParamSpec {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

/** One response of an operation: a type id, or `string` for text bodies (logs). */
export interface ResponseSpec {
  code: string;
  description: string;
  typeId?: string;
  text?: boolean;
}

/** One operation (HTTP method on a path). */
export interface OperationSpec {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  operationId: string;
  description: string;
  /** `x-kubernetes-action`: get, list, watch, watchlist, post, put, patch, delete, deletecollection, connect. */
  action: string;
  gvk: Gvk;
  tag: string;
  params: ParamSpec[];
  /** Request body type and the media types it may be sent as. */
  body?: { typeId: string; consumes: string[] };
  produces: string[];
  responses: ResponseSpec[];
}

/** A path with its shared parameters and operations. */
export interface PathSpec {
  path: string;
  params: ParamSpec[];
  ops: OperationSpec[];
}

/** The media types a PATCH body may use, as kube-apiserver lists them. */
export const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_TYPES = [...OBJECT_TYPES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

function q(name: string, type: ParamSpec['type'], description: string): ParamSpec {
  return { name, in: 'query', type, description };
}

const P = {
  pretty: q('pretty', 'string', "If 'true', the response is indented for humans."),
  dryRun: q('dryRun', 'string', "'All' runs every stage of the request without persisting anything."),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldValidation: q('fieldValidation', 'string',
    'How to treat unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict (reject the request).'),
  force: q('force', 'boolean', 'For apply patches only: take ownership of fields other managers own.'),
  labelSelector: q('labelSelector', 'string', 'Only objects whose labels match this selector.'),
  fieldSelector: q('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
  watch: q('watch', 'boolean', 'Stream changes (ADDED, MODIFIED, DELETED) instead of returning a list.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events carrying the latest resourceVersion.'),
  resourceVersion: q('resourceVersion', 'string', 'The resource version to read from or to start watching after.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  limit: q('limit', 'integer', 'Return at most this many items; the list metadata then carries a continue token.'),
  continue: q('continue', 'string', 'The continue token of a previous, limited list call.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'Start a watch with synthetic ADDED events for the current state.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds to wait before deleting; 0 deletes at once.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy=Orphan.'),
  propagationPolicy: q('propagationPolicy', 'string', 'Garbage collection of dependents: Orphan, Background or Foreground.'),
  name: (kind: string): ParamSpec => ({ name: 'name', in: 'path', type: 'string', required: true, description: `Name of the ${kind}.` }),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'The namespace of the object.' } as ParamSpec,
};

const LIST_PARAMS = [
  P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion,
  P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const LOG_PARAMS = [
  q('container', 'string', 'The container to read logs of; optional when the pod has one container.'),
  q('follow', 'boolean', 'Keep the stream open and send new lines as they are written.'),
  q('insecureSkipTLSVerifyBackend', 'boolean', "Skip verifying the kubelet's serving certificate."),
  q('limitBytes', 'integer', 'Stop after this many bytes.'),
  q('previous', 'boolean', 'Logs of the previous, terminated instance of the container.'),
  q('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
  q('stream', 'string', 'Which stream to return: All, Stdout or Stderr.'),
  q('tailLines', 'integer', 'Only this many lines from the end.'),
  q('timestamps', 'boolean', 'Prefix each line with its RFC 3339 timestamp.'),
];
const EXEC_PARAMS = [
  q('command', 'string', 'The command to run, one argument per parameter.'),
  q('container', 'string', 'The container to run it in.'),
  q('stderr', 'boolean', 'Stream stderr.'),
  q('stdin', 'boolean', 'Stream stdin.'),
  q('stdout', 'boolean', 'Stream stdout.'),
  q('tty', 'boolean', 'Allocate a terminal.'),
];
const CONNECT_PARAMS: Record<string, ParamSpec[]> = {
  exec: EXEC_PARAMS,
  attach: EXEC_PARAMS.filter((p) => p.name !== 'command'),
  portforward: [q('ports', 'integer', 'The pod ports to forward.')],
  proxy: [q('path', 'string', 'The path to send the request to.')],
};

/** `coordination.k8s.io` → `Coordination`, `rbac.authorization.k8s.io` → `RbacAuthorization`, `` → `Core`. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The URL prefix of a group-version: `/api/v1` or `/apis/apps/v1`. */
export function gvPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** The document key of a group-version as the v3 root lists it: `api/v1` or `apis/apps/v1`. */
export function gvKey(group: string, version: string): string {
  return gvPrefix(group, version).slice(1);
}

function responses(typeId: string, codes: [string, string][]): ResponseSpec[] {
  return [...codes.map(([code, description]) => ({ code, description, typeId })), { code: '401', description: 'Unauthorized' }];
}

/** Builds the paths of one resource (collection, item, watch, subresources). */
export function resourcePaths(r: ResourceInfo, index: TypeIndex): PathSpec[] {
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const base = gvPrefix(r.group, r.version);
  const word = `${groupWord(r.group)}${cap(r.version)}`;
  const tag = `${r.group === '' ? 'core' : r.group.replace(/\.k8s\.io$/, '').replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())}_${r.version}`;
  const ns = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
  const item = `${collection}/{name}`;
  const scopeParams = r.namespaced ? [P.namespace] : [];
  const itemParams = [P.name(r.kind), ...scopeParams, P.pretty];
  const listId = index.idForKind({ ...gvk, kind: `${r.kind}List` });
  const verbs = new Set(r.verbs);
  const op = (o: Omit<OperationSpec, 'gvk' | 'tag' | 'produces'> & { produces?: string[]; gvk?: Gvk }): OperationSpec =>
    ({ gvk, tag, produces: OBJECT_TYPES, ...o });
  const out: PathSpec[] = [];

  const collOps: OperationSpec[] = [];
  if (verbs.has('list')) {
    collOps.push(op({
      method: 'get', operationId: `list${word}${ns}${r.kind}`, action: 'list', description: `List or watch ${r.kind} objects.`,
      params: LIST_PARAMS, produces: WATCH_TYPES, responses: responses(listId, [['200', 'OK']]),
    }));
  }
  if (verbs.has('create')) {
    collOps.push(op({
      method: 'post', operationId: `create${word}${ns}${r.kind}`, action: 'post', description: `Create a ${r.kind}.`,
      params: WRITE_PARAMS, body: { typeId: r.typeId, consumes: ['*/*'] },
      responses: responses(r.typeId, [['200', 'OK'], ['201', 'Created'], ['202', 'Accepted']]),
    }));
  }
  if (verbs.has('deletecollection')) {
    collOps.push(op({
      method: 'delete', operationId: `delete${word}Collection${ns}${r.kind}`, action: 'deletecollection',
      description: `Delete every ${r.kind} that matches the selectors.`,
      params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')],
      body: { typeId: META.deleteOptions, consumes: ['*/*'] }, responses: responses(META.status, [['200', 'OK']]),
    }));
  }
  if (collOps.length > 0) out.push({ path: collection, params: [...scopeParams, P.pretty], ops: collOps });

  const itemOps: OperationSpec[] = [];
  if (verbs.has('get')) {
    itemOps.push(op({
      method: 'get', operationId: `read${word}${ns}${r.kind}`, action: 'get', description: `Read the named ${r.kind}.`,
      params: [], responses: responses(r.typeId, [['200', 'OK']]),
    }));
  }
  if (verbs.has('update')) {
    itemOps.push(op({
      method: 'put', operationId: `replace${word}${ns}${r.kind}`, action: 'put', description: `Replace the named ${r.kind}.`,
      params: WRITE_PARAMS, body: { typeId: r.typeId, consumes: ['*/*'] },
      responses: responses(r.typeId, [['200', 'OK'], ['201', 'Created']]),
    }));
  }
  if (verbs.has('patch')) {
    itemOps.push(op({
      method: 'patch', operationId: `patch${word}${ns}${r.kind}`, action: 'patch', description: `Partially update the named ${r.kind}.`,
      params: [...WRITE_PARAMS, P.force], body: { typeId: META.patch, consumes: PATCH_TYPES },
      responses: responses(r.typeId, [['200', 'OK'], ['201', 'Created']]),
    }));
  }
  if (verbs.has('delete')) {
    itemOps.push(op({
      method: 'delete', operationId: `delete${word}${ns}${r.kind}`, action: 'delete', description: `Delete the named ${r.kind}.`,
      params: DELETE_PARAMS, body: { typeId: META.deleteOptions, consumes: ['*/*'] },
      responses: responses(META.status, [['200', 'OK'], ['202', 'Accepted']]),
    }));
  }
  if (itemOps.length > 0) out.push({ path: item, params: itemParams, ops: itemOps });

  if (verbs.has('watch')) {
    const watchColl = r.namespaced ? `${base}/watch/namespaces/{namespace}/${r.resource}` : `${base}/watch/${r.resource}`;
    const watchResp = responses(META.watchEvent, [['200', 'OK']]);
    const watchOp = (operationId: string, action: string, description: string): OperationSpec =>
      op({ method: 'get', operationId, action, description, params: [], produces: WATCH_TYPES, responses: watchResp });
    out.push({
      path: watchColl, params: [...LIST_PARAMS, ...scopeParams, P.pretty],
      ops: [watchOp(`watch${word}${ns}${r.kind}List`, 'watchlist', `Watch ${r.kind} objects. Deprecated: use list with watch=true.`)],
    });
    out.push({
      path: `${watchColl}/{name}`, params: [...LIST_PARAMS, P.name(r.kind), ...scopeParams, P.pretty],
      ops: [watchOp(`watch${word}${ns}${r.kind}`, 'watch', `Watch one ${r.kind}. Deprecated: use list with watch=true and a name field selector.`)],
    });
  }
  if (r.namespaced && verbs.has('list')) {
    const all = `${base}/${r.resource}`;
    out.push({
      path: all, params: [...LIST_PARAMS, P.pretty],
      ops: [op({
        method: 'get', operationId: `list${word}${r.kind}ForAllNamespaces`, action: 'list',
        description: `List or watch ${r.kind} objects in every namespace.`, params: [], produces: WATCH_TYPES,
        responses: responses(listId, [['200', 'OK']]),
      })],
    });
  }

  for (const s of r.subresources) {
    const spec = subresourcePath(r, s, { item, itemParams, word, ns, tag, index });
    if (spec) out.push(spec);
  }
  return out;
}

interface SubContext {
  item: string;
  itemParams: ParamSpec[];
  word: string;
  ns: string;
  tag: string;
  index: TypeIndex;
}

/** Paths of one subresource: status/scale/finalize (get/put/patch), binding/eviction/token (create), log, connect. */
function subresourcePath(r: ResourceInfo, s: SubresourceInfo, c: SubContext): PathSpec | undefined {
  const subGvk: Gvk = { group: s.group, version: s.version, kind: s.kind };
  const subId = c.index.idForKind(subGvk);
  const name = `${c.word}${c.ns}${r.kind}${cap(s.name)}`;
  const path = `${c.item}/${s.name}`;
  const params = [{ ...c.itemParams[0], description: `Name of the ${s.kind}.` }, ...c.itemParams.slice(1)];
  const base = { gvk: subGvk, tag: c.tag, produces: OBJECT_TYPES };
  const verbs = new Set(s.verbs);
  const ops: OperationSpec[] = [];
  switch (s.name) {
    case 'status':
    case 'scale':
    case 'finalize': {
      const what = `${s.name} of the named ${r.kind}`;
      if (verbs.has('get')) {
        ops.push({ ...base, method: 'get', operationId: `read${name}`, action: 'get', description: `Read the ${what}.`,
          params: [], responses: responses(subId, [['200', 'OK']]) });
      }
      if (verbs.has('update')) {
        ops.push({ ...base, method: 'put', operationId: `replace${name}`, action: 'put', description: `Replace the ${what}.`,
          params: WRITE_PARAMS, body: { typeId: subId, consumes: ['*/*'] },
          responses: responses(subId, [['200', 'OK'], ['201', 'Created']]) });
      }
      if (verbs.has('patch')) {
        ops.push({ ...base, method: 'patch', operationId: `patch${name}`, action: 'patch', description: `Partially update the ${what}.`,
          params: [...WRITE_PARAMS, P.force], body: { typeId: META.patch, consumes: PATCH_TYPES },
          responses: responses(subId, [['200', 'OK'], ['201', 'Created']]) });
      }
      break;
    }
    case 'binding':
    case 'eviction':
    case 'token':
      if (verbs.has('create')) {
        ops.push({ ...base, method: 'post', operationId: `create${name}`, action: 'post', description: `Create ${s.kind} for the named ${r.kind}.`,
          params: WRITE_PARAMS, body: { typeId: subId, consumes: ['*/*'] },
          responses: responses(subId, [['200', 'OK'], ['201', 'Created'], ['202', 'Accepted']]) });
      }
      break;
    case 'log':
      ops.push({ ...base, gvk: { group: r.group, version: r.version, kind: 'Pod' }, method: 'get', operationId: `read${name}`,
        action: 'get', description: `Read the log of a container of the named ${r.kind}.`, params: LOG_PARAMS,
        produces: ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
        responses: [{ code: '200', description: 'OK', text: true }, { code: '401', description: 'Unauthorized' }] });
      break;
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy': {
      const extra = CONNECT_PARAMS[s.name];
      const connect = (method: 'get' | 'post'): OperationSpec => ({
        ...base, method, operationId: `connect${c.word}${cap(method)}${c.ns}${r.kind}${cap(s.name)}`, action: 'connect',
        description: `Connect ${method.toUpperCase()} requests to ${s.name} of the named ${r.kind}.`, params: extra,
        produces: ['*/*'], responses: [{ code: '200', description: 'OK', text: true }, { code: '401', description: 'Unauthorized' }],
      });
      if (verbs.has('get')) ops.push(connect('get'));
      if (verbs.has('create')) ops.push(connect('post'));
      break;
    }
    default:
      return undefined;
  }
  return ops.length > 0 ? { path, params, ops } : undefined;
}

/** The type ids an operation names (bodies and responses), for the schema closure of a document. */
export function referencedTypes(paths: readonly PathSpec[]): Set<string> {
  const ids = new Set<string>();
  for (const p of paths) {
    for (const o of p.ops) {
      if (o.body) ids.add(o.body.typeId);
      for (const r of o.responses) if (r.typeId) ids.add(r.typeId);
    }
  }
  return ids;
}

/** How one OpenAPI version writes an operation and a parameter (v2 and v3 differ only there). */
export interface PathRenderer {
  operation(o: OperationSpec): JsonSchema;
  param(p: ParamSpec): JsonSchema;
}

/** Renders path specs as a `paths` object: each path's operations, plus its path-level parameters. */
export function renderPaths(paths: readonly PathSpec[], r: PathRenderer): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const p of paths) {
    const item: JsonSchema = {};
    for (const o of p.ops) item[o.method] = r.operation(o);
    if (p.params.length > 0) item.parameters = p.params.map((x) => r.param(x));
    out[p.path] = item;
  }
  return out;
}
