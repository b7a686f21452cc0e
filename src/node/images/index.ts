/**
 * Offline OCI images: a deterministic tar writer, an OCI archive builder, a root filesystem collector for Debian
 * binaries, recipes for the images kubelite needs (busybox, nginx, redis, pause), and import into containerd.
 */
export { writeTar, tarEntryBlocks } from './tar-writer.js';
export type { TarEntry } from './tar-writer.js';
export { buildOciArchive, goArch } from './oci-image.js';
export type { ImageRunConfig, OciArchive, OciImageSpec } from './oci-image.js';
export { normalizeImageRef, parseImageRef } from './image-ref.js';
export type { ImageRef } from './image-ref.js';
export { RootfsBuilder, sharedLibraries } from './rootfs-builder.js';
export { importImages, listImages, findCtr, CRI_NAMESPACE } from './import-images.js';
export type { CtrImage, ImportImagesOptions, ImportProgress, ImportResult } from './import-images.js';
export { addBusybox, buildBusyboxImage, requireBusybox, BUSYBOX_BINARY, DEFAULT_PATH } from './recipes/busybox.js';
export { buildNginxImage, NGINX_BINARY } from './recipes/nginx.js';
export { buildRedisImage, REDIS_BINARY } from './recipes/redis.js';
export { buildPauseImage, PAUSE_IMAGE } from './recipes/pause.js';
export type { PauseVariant } from './recipes/pause.js';
