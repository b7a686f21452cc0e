/** Kubernetes protobuf: the protobufjs Root built from the schema data, and body decoding/encoding. */
export * from './protobuf-root.js';
export * from './kubernetes-protobuf.js';
