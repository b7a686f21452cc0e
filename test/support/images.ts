/**
 * Test support: the offline images the node tests (and the seed's YAML) need — `busybox:latest`/`busybox:1.36`,
 * `nginx:1.7.9`/`nginx:latest` and `redis:latest` — built from Debian's binaries by src/node/images' recipes and
 * cached as OCI archives under `.tmp/images/` of the checkout. A cache entry is keyed by the recipe code and the
 * host binaries it copies, so a package upgrade or a recipe change rebuilds it.
 *
 * Run directly (`node dist/test/support/images.js [DIR]`) to build them all and print the paths.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUSYBOX_BINARY, buildBusyboxImage, buildNginxImage, buildRedisImage, NGINX_BINARY, REDIS_BINARY, type OciArchive,
} from '../../src/node/images/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where built archives are cached (ignored by git). */
export const IMAGE_CACHE_DIR = join(ROOT, '.tmp', 'images');

/** The test images by short name. */
export type TestImageName = 'busybox' | 'nginx' | 'redis';

const recipes: Record<TestImageName, { build: () => OciArchive; binaries: string[]; modules: string[] }> = {
  busybox: { build: () => buildBusyboxImage(), binaries: [BUSYBOX_BINARY], modules: ['recipes/busybox.js'] },
  nginx: { build: () => buildNginxImage(), binaries: [NGINX_BINARY, BUSYBOX_BINARY], modules: ['recipes/nginx.js', 'recipes/busybox.js'] },
  redis: { build: () => buildRedisImage(), binaries: [REDIS_BINARY, BUSYBOX_BINARY], modules: ['recipes/redis.js', 'recipes/busybox.js'] },
};

/** The names each image is imported under, as CRI lists them. */
export const TEST_IMAGE_REFS: Record<TestImageName, string[]> = {
  busybox: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'],
  nginx: ['docker.io/library/nginx:1.7.9', 'docker.io/library/nginx:latest'],
  redis: ['docker.io/library/redis:latest'],
};

function cacheKey(name: TestImageName): string {
  const h = createHash('sha256').update(name);
  const imagesDir = join(ROOT, 'dist', 'src', 'node', 'images');
  for (const m of [...recipes[name].modules, 'oci-image.js', 'tar-writer.js', 'rootfs-builder.js']) {
    const p = join(imagesDir, m);
    h.update(existsSync(p) ? readFileSync(p) : m);
  }
  for (const b of recipes[name].binaries) {
    const st = statSync(b);
    h.update(`${b}:${st.size}:${st.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 16);
}

/** The archive of one test image, built if the cache has no current one. Returns its path. */
export function testImage(name: TestImageName, cacheDir: string = IMAGE_CACHE_DIR): string {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${name}-${cacheKey(name)}.tar`);
  if (existsSync(file)) return file;
  const archive = recipes[name].build();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, archive.tar);
  renameSync(tmp, file); // atomic, so parallel test files never read half an archive
  return file;
}

/** Archives of several test images (all by default). */
export function testImages(names: TestImageName[] = ['busybox', 'nginx', 'redis'], cacheDir?: string): Record<TestImageName, string> {
  const out = {} as Record<TestImageName, string>;
  for (const n of names) out[n] = testImage(n, cacheDir);
  return out;
}

/** Why the test images cannot be built here, or undefined when they can. */
export function imagesSkipReason(names: TestImageName[] = ['busybox', 'nginx', 'redis']): string | undefined {
  const missing = [...new Set(names.flatMap((n) => recipes[n].binaries))].filter((b) => !existsSync(b));
  if (missing.length === 0) return undefined;
  const pkgs: Record<string, string> = { [BUSYBOX_BINARY]: 'busybox-static', [NGINX_BINARY]: 'nginx', [REDIS_BINARY]: 'redis-server' };
  return `test images need ${missing.join(', ')}: apt-get install -y ${missing.map((m) => pkgs[m]).join(' ')}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const files = testImages(undefined, process.argv[2]);
  for (const [name, file] of Object.entries(files)) console.log(`${name}\t${file}\t${statSync(file).size} bytes`);
  console.log(`done in ${Date.now() - started} ms`);
}
