/**
 * The CRI client package: the typed gRPC client of runtime.v1, its error type and the message shapes. Other
 * folders import from here; only this folder touches gRPC.
 */
export { CriClient, CRI_API_VERSION, grpcTarget, socketPath } from './cri-client.js';
export type { CallOptions, CriClientOptions } from './cri-client.js';
export { CriError, grpcCodeName, isCriError, isNotFound, isUnavailable } from './cri-error.js';
export type { GrpcCodeName } from './cri-error.js';
export type * from './types.js';
