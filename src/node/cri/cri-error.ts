/**
 * CriError: a failed CRI call, carrying the gRPC status code by name, so callers can tell "the container is gone"
 * (NOT_FOUND) from "the runtime is down" (UNAVAILABLE) without parsing messages — as the kubelet does with
 * status.Code(err).
 */

/** The gRPC status codes by number (grpc/status codes). */
const codeNames = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

/** A gRPC status code name. */
export type GrpcCodeName = (typeof codeNames)[number];

/** The name of gRPC status code `n` (`UNKNOWN` for numbers outside the table). */
export function grpcCodeName(n: number): GrpcCodeName {
  return codeNames[n] ?? 'UNKNOWN';
}

/** A CRI call that failed: which method, the gRPC code (name and number) and the runtime's message. */
export class CriError extends Error {
  override readonly name = 'CriError';
  /** The gRPC status code name, e.g. `NOT_FOUND`. */
  readonly code: GrpcCodeName;
  /** The numeric gRPC status code, e.g. 5. */
  readonly grpcCode: number;
  /** The CRI method, e.g. `ContainerStatus`. */
  readonly method: string;
  /** The runtime's own message (gRPC `details`), without our prefix. */
  readonly details: string;

  constructor(method: string, grpcCode: number, details: string, options?: { cause?: unknown }) {
    super(`CRI ${method} failed: ${grpcCodeName(grpcCode)}: ${details}`, options);
    this.method = method;
    this.grpcCode = grpcCode;
    this.code = grpcCodeName(grpcCode);
    this.details = details;
  }
}

/** True when `err` is a CriError with the given code. */
export function isCriError(err: unknown, code?: GrpcCodeName): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}

/** True when the runtime said the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return isCriError(err, 'NOT_FOUND');
}

/** True when the runtime could not be reached (socket missing, containerd restarting) or timed out. */
export function isUnavailable(err: unknown): boolean {
  return isCriError(err, 'UNAVAILABLE') || isCriError(err, 'DEADLINE_EXCEEDED');
}
