/**
 * StatusError: an error that reaches a client as a Kubernetes `Status` object with the right reason and code.
 * Constructors mirror k8s.io/apimachinery's errors package (NotFound, AlreadyExists, Conflict, Invalid, Gone, …),
 * including their message shapes, because kubectl prints those messages verbatim.
 */

/** A cause inside `Status.details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `Status.details`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The meta/v1 Status object. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A group + resource pair, for messages such as `pods "x" not found` or `deployments.apps "x" not found`. */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** An error carrying a Kubernetes Status. Everything a handler throws at a client should be one of these. */
export class StatusError extends Error {
  readonly status: Status;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatusError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) this.status.details = details;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** 404 NotFound: `pods "web" not found`. */
export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource });
}

/** 409 AlreadyExists: `pods "web" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource });
}

/** 409 Conflict: `Operation cannot be fulfilled on pods "web": <why>`. */
export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, {
    name, group: gr.group, kind: gr.resource,
  });
}

/** The conflict message kube-apiserver sends for a stale resourceVersion. */
export const STALE_OBJECT_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

/** One field error, as produced by validation. */
export interface FieldError {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueDuplicate`, `FieldValueForbidden`, `FieldValueTooLong`. */
  type: string;
  /** The field path, e.g. `spec.containers[0].name`. */
  field: string;
  /** The message after the path, e.g. `Required value` or `Invalid value: "X": must be ...`. */
  detail: string;
}

/**
 * 422 Invalid: `Pod "web" is invalid: spec.containers[0].image: Required value`. The one place where a field error
 * list becomes a Status (as apimachinery's NewInvalid).
 */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const parts = errs.map((e) => `${e.field}: ${e.detail}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${summary}`, {
    name, group, kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

/** 400 BadRequest. */
export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

/** 410 Gone / Expired: a watch or list from a compacted resourceVersion. */
export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** 405 MethodNotAllowed. */
export function methodNotSupported(gr: GroupResource, verb: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(gr)}"`, {
    group: gr.group, kind: gr.resource,
  });
}

/** 401 Unauthorized. */
export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/** 403 Forbidden. */
export function forbidden(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${why}`, { name, group: gr.group, kind: gr.resource });
}

/** 413 RequestEntityTooLarge. */
export function tooLarge(limit: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** 415 UnsupportedMediaType. */
export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}

/** 406 NotAcceptable. */
export function notAcceptable(accept: string): StatusError {
  return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io (got ${accept})`);
}

/** 500 InternalError, carrying the cause for logs. Never for a client's mistake. */
export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
}

/** 504 Timeout / 429 TooManyRequests / 503 ServiceUnavailable helpers. */
export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

/** True if `err` is a StatusError with the given reason. */
export function isReason(err: unknown, reason: string): boolean {
  return err instanceof StatusError && err.reason === reason;
}
