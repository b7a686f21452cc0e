/**
 * Test support: a real, private containerd per test file, through src/node/runtime's startContainerd, in a temp
 * data dir with its own pod CIDR (10.88.X.0/24, X claimed with a lock file so parallel test files never share one
 * and checked against the machine's routes), its own bridge `klt<X>` and its own cgroup root. `stop()` removes
 * every pod, kills containerd by PID, removes cgroups and the bridge, unmounts anything left under the data dir
 * and deletes it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient, type PodSandboxConfigInput } from '../../src/node/cri/index.js';
import { checkNodePrerequisites, cidrsOverlap, startContainerd, type EmbeddedContainerd, type StartContainerdOptions } from '../../src/node/runtime/index.js';
import { importImages } from '../../src/node/images/index.js';
import { imagesSkipReason, testImages, type TestImageName } from './images.js';

/** Why real-containerd tests cannot run here (not root, packages missing), or undefined when they can. */
export function containerdSkipReason(images: TestImageName[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run containerd, runc and CNI';
  const pre = checkNodePrerequisites();
  if (!pre.ok) return pre.message;
  return imagesSkipReason(images);
}

/** A private containerd for tests. */
export interface TestContainerd {
  runtime: EmbeddedContainerd;
  /** The runtime's CRI client (closed by stop). */
  client: CriClient;
  dataDir: string;
  podCidr: string;
  /** The cgroup every test sandbox goes under (removed by stop). */
  cgroupRoot: string;
  /** The options the runtime was started with, to start another on the same data dir. */
  options: StartContainerdOptions;
  /** Archives of the imported test images. */
  images: Partial<Record<TestImageName, string>>;
  /** A sandbox config with a unique uid, a log directory and a cgroup parent under this node's root. */
  sandboxConfig(name: string, extra?: PodSandboxConfigInput): PodSandboxConfigInput;
  stop(): Promise<void>;
}

/** Routes of the machine (IPv4 destinations in CIDR form). */
function machineRoutes(): string[] {
  try {
    return execFileSync('ip', ['-o', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ').find((w, i) => i < 3 && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(w)))
      .filter((d): d is string => !!d)
      .map((d) => (d.includes('/') ? d : `${d}/32`));
  } catch {
    return [];
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Claims a free 10.88.X.0/24; returns X and the lock file to delete on release. */
function claimPodCidr(): { x: number; cidr: string; lock: string } {
  const routes = machineRoutes();
  const start = Math.floor(Math.random() * 200) + 20;
  for (let i = 0; i < 200; i++) {
    const x = ((start + i) % 230) + 20;
    const cidr = `10.88.${x}.0/24`;
    if (routes.some((r) => cidrsOverlap(r, cidr)) || existsSync(`/sys/class/net/klt${x}`)) continue;
    const lock = join(tmpdir(), `kubelite-test-cidr-${x}.lock`);
    if (existsSync(lock)) {
      // Claimed by another test process — unless that process is gone.
      const owner = Number(readFileSync(lock, 'utf8').trim() || 0);
      if (owner && processAlive(owner)) continue;
      rmSync(lock, { force: true });
    }
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      continue; // lost a race for it
    }
    return { x, cidr, lock };
  }
  throw new Error('No free 10.88.X.0/24 pod CIDR for a test node');
}

/** Mount points under `dir` (deepest first), from /proc/self/mountinfo. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

let sandboxCounter = 0;

/** Starts a private containerd and imports the named test images. */
export async function startTestContainerd(opts: {
  images?: TestImageName[];
  runtime?: Partial<StartContainerdOptions>;
} = {}): Promise<TestContainerd> {
  const { x, cidr, lock } = claimPodCidr();
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelite-ctrd-'));
  const cgroupRoot = `/kubelite-test-${x}-${process.pid}`;
  let runtime: EmbeddedContainerd | undefined;
  const cleanup = async () => {
    try {
      if (runtime) await runtime.stop();
    } finally {
      for (const m of mountsUnder(dataDir)) {
        try {
          execFileSync('umount', ['-l', m], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
      if (mountsUnder(dataDir).length === 0) rmSync(dataDir, { recursive: true, force: true });
      rmSync(lock, { force: true });
    }
  };
  try {
    const options: StartContainerdOptions = {
      dataDir, podCidr: cidr, bridgeName: `klt${x}`, networkName: `kubelite-test-${x}`, podCgroupRoot: cgroupRoot,
      // Tests never pull from the internet (nor ask the machine's resolver for a registry's name): `:latest` images
      // with imagePullPolicy Always try a pull, which must fail on the machine and fall back to the imported copy.
      disableDefaultEndpoint: true,
      ...opts.runtime,
    };
    runtime = await startContainerd(options);
    const images = opts.images?.length ? testImages(opts.images) : {};
    if (opts.images?.length) await importImages(runtime.endpoint, Object.values(images));
    const rt = runtime;
    return {
      runtime: rt,
      client: rt.client,
      dataDir,
      options,
      podCidr: cidr,
      cgroupRoot,
      images,
      sandboxConfig(name, extra = {}) {
        const uid = `${process.pid}-${++sandboxCounter}-${Date.now().toString(36)}`;
        return {
          metadata: { name, uid, namespace: 'test', attempt: 0 },
          hostname: name,
          log_directory: join(dataDir, 'pods', `test_${name}_${uid}`),
          ...extra,
          linux: {
            cgroup_parent: `${cgroupRoot}/pod${uid}`,
            security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
            ...extra.linux,
          },
        };
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes; resolves to the response and its body. */
export async function waitForHttp(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return { status: res.status, body: await res.text(), ms: Date.now() - started };
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
