/**
 * Writes OCI image archives (the `oci-layout` + `index.json` + `blobs/sha256/…` layout, as a tar) from layer
 * entries and an image config. The output is byte-for-byte reproducible: layers are deterministic tars, gzip
 * carries no timestamp, and the config's dates are the epoch. `ctr images import` and every OCI tool read it; the
 * `io.containerd.image.name` annotation names the image in containerd.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { normalizeImageRef, parseImageRef } from './image-ref.js';
import { writeTar, type TarEntry } from './tar-writer.js';

/** The runtime part of an image config (the OCI `config` object; Docker's names). */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

/** What {@link buildOciArchive} builds. */
export interface OciImageSpec {
  /** Names of the image, e.g. `nginx:1.7.9` (normalised to `docker.io/library/nginx:1.7.9`). At least one. */
  names: string[];
  /** Layers, bottom first; each is a list of tar entries. */
  layers: TarEntry[][];
  config: ImageRunConfig;
  /** GOARCH-style architecture; defaults to this machine's. */
  architecture?: string;
}

/** The result of {@link buildOciArchive}. */
export interface OciArchive {
  /** The archive bytes (a tar), ready for `ctr images import`. */
  tar: Buffer;
  /** `sha256:…` of the manifest: the image's digest in a registry. */
  manifestDigest: string;
  /** `sha256:…` of the config: the image id CRI reports. */
  configDigest: string;
  /** The normalised names. */
  names: string[];
}

/** This machine's architecture in OCI/GOARCH terms. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Blob path inside the layout for a digest. */
function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** Builds an OCI image archive; see the module comment. */
export function buildOciArchive(spec: OciImageSpec): OciArchive {
  if (spec.names.length === 0) throw new Error('An image needs at least one name');
  const names = spec.names.map(normalizeImageRef);
  const blobs = new Map<string, Buffer>();
  const layerDescs: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const entries of spec.layers) {
    const tar = writeTar(entries);
    const gz = gzipSync(tar);
    diffIds.push(sha256(tar));
    const digest = sha256(gz);
    blobs.set(digest, gz);
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: gz.length });
  }
  const architecture = spec.architecture ?? goArch();
  const config = Buffer.from(JSON.stringify({
    created: '1970-01-01T00:00:00Z',
    architecture,
    os: 'linux',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'kubelite image builder' })),
  }));
  const configDigest = sha256(config);
  blobs.set(configDigest, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layerDescs,
  }));
  const manifestDigest = sha256(manifest);
  blobs.set(manifestDigest, manifest);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: names.map((name) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      platform: { architecture, os: 'linux' },
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': parseImageRef(name).tag || 'latest' },
    })),
  }));
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', content: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { type: 'file', path: 'index.json', content: index },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...[...blobs.keys()].sort().map((d): TarEntry => ({ type: 'file', path: blobPath(d), content: blobs.get(d)! })),
  ];
  return { tar: writeTar(entries), manifestDigest, configDigest, names };
}
