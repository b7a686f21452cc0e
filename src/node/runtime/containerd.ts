/**
 * An embedded, supervised containerd, the way k3s embeds one: kubelite writes its config, CNI network and registry
 * hosts under the node's data directory, starts `containerd --config FILE` as a child, waits until CRI answers,
 * imports the pause image it built offline, and restarts containerd with back-off if it dies.
 *
 * Stopping is thorough because containers outlive containerd (their shims keep running): unless asked to keep
 * the pods, `stop()` first stops and removes every sandbox through CRI, then kills containerd by PID, removes the
 * pod cgroup directories containerd leaves behind, and deletes the node's CNI bridge.
 */
import { linkInfo } from './links.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { delay } from '../../util/async.js';
import { logger } from '../../util/log.js';
import { CriClient, isNotFound } from '../cri/index.js';
import type { VersionResponse } from '../cri/index.js';
import { importImages } from '../images/import-images.js';
import { buildPauseImage, PAUSE_IMAGE } from '../images/recipes/pause.js';
import { removeCgroup } from './cgroups.js';
import { detectCniBinDir, writeCniConfig } from './cni-config.js';
import { containerdConfig, containerdPaths, type ContainerdPaths } from './containerd-config.js';
import { canonicalPodCidr, gatewayOf } from './pod-cidr.js';
import { checkNodePrerequisites, findBinary } from './prerequisites.js';
import { writeRegistryHosts, type RegistryOptions } from './registry-hosts.js';

const log = logger('containerd');

/** Options of {@link startContainerd}. */
export interface StartContainerdOptions extends RegistryOptions {
  /** The directory this containerd owns (config, root, state, CNI, logs). Created if missing. */
  dataDir: string;
  /** The node's pod CIDR, e.g. `10.42.0.0/24`; pods get addresses from it on the bridge. */
  podCidr: string;
  /** Where the CNI plugins are; `/usr/lib/cni` (Debian) or `/opt/cni/bin` is detected by default. */
  cniBinDir?: string;
  /** The Linux bridge of this node's pods. Default `kl0`; give each node on a machine its own. */
  bridgeName?: string;
  /** The CNI network name. Default `kubelite`. */
  networkName?: string;
  /** A network namespace path (`/run/netns/NS`): containerd is started inside it with nsenter (a second node). */
  netns?: string;
  /** Where the exec/attach/port-forward stream server listens. Default 127.0.0.1 (inside `netns` if given). */
  streamServerAddress?: string;
  /** The sandbox (pause) image. Default kubelite's own, built offline and imported when absent. */
  sandboxImage?: string;
  /**
   * The cgroup under which the kubelet puts its pods (cgroupfs path). Removed with its leftovers on stop.
   * Default `/kubelite`.
   */
  podCgroupRoot?: string;
  /** How long to wait for CRI to answer at each start. Default 30 s. */
  startTimeoutMs?: number;
  /** Back-off between restarts after a crash: starts at `initialMs` (1 s), doubles up to `maxMs` (30 s). */
  restartBackoff?: { initialMs?: number; maxMs?: number };
  /** Told about starts, exits and restarts, e.g. to post node events. */
  onEvent?: (event: ContainerdEvent) => void;
  /** Aborts the start. */
  signal?: AbortSignal;
}

/** Lifecycle events of the supervised process. */
export type ContainerdEvent =
  | { type: 'started'; pid: number }
  | { type: 'ready'; pid: number; ms: number }
  | { type: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'restarting'; inMs: number; restarts: number };

/** What {@link EmbeddedContainerd.stop} cleaned up. */
export interface StopReport {
  sandboxesRemoved: number;
  cgroupsRemoved: number;
  bridgeRemoved: boolean;
}

/** How long each part of the first start took, in ms. */
export interface StartupTimings {
  /** From spawning containerd to CRI Version answering. */
  criReady: number;
  /** Checking (and if needed building and importing) the pause image. */
  pauseImage: number;
  /** The whole of startContainerd. */
  total: number;
}

/** A running, supervised private containerd. */
export interface EmbeddedContainerd {
  /** The CRI endpoint, `unix:///…/containerd.sock`, for the kubelet and for `crictl`. */
  readonly endpoint: string;
  /** The socket path of the endpoint (also containerd's own API, for `ctr --address`). */
  readonly socket: string;
  readonly paths: ContainerdPaths;
  readonly cniBinDir: string;
  readonly bridgeName: string;
  readonly podCidr: string;
  readonly sandboxImage: string;
  readonly podCgroupRoot: string;
  /** The runtime's version as CRI reported it at the first start. */
  readonly version: VersionResponse;
  /** A CRI client of this containerd, owned by it (closed by stop). */
  readonly client: CriClient;
  /** The current containerd PID, or undefined while it is down. */
  readonly pid: number | undefined;
  /** How many times containerd was restarted after dying. */
  readonly restarts: number;
  readonly timings: StartupTimings;
  /** Resolves once containerd runs and CRI answers (at once, unless it is restarting). */
  ready(opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /**
   * Stops containerd. By default every sandbox is stopped and removed first and the pod cgroups and the bridge
   * are removed after; with `keepPods` the containers keep running (a restarted containerd re-adopts them).
   */
  stop(opts?: { keepPods?: boolean }): Promise<StopReport>;
}

/** The environment containerd runs with: PATH must reach the shim, runc, the CNI plugins' iptables. */
function childEnv(): NodeJS.ProcessEnv {
  const path = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter(Boolean).join(':');
  return { ...process.env, PATH: path };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(25);
  }
  return true;
}

/**
 * Kills a containerd left running by an earlier kubelite with this data directory (the agent was killed without
 * stopping it). It is recognised by its PID file and its command line naming our config file; nothing else is
 * touched.
 */
async function killStale(p: ContainerdPaths): Promise<void> {
  if (!existsSync(p.pidFile)) return;
  const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmdline.includes('containerd') || !cmdline.includes(p.config)) return;
  log.info('stopping containerd left running by an earlier run', { pid });
  process.kill(pid, 'SIGTERM');
  if (!(await waitGone(pid, 10_000))) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5000);
  }
}

/** Keeps the log from growing without bound across restarts: one previous generation is kept. */
function rotateLog(file: string): void {
  try {
    if (statSync(file).size > 20 * 1024 * 1024) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
}

/** The cgroup parent a sandbox was created with, from its verbose status (containerd's `info` JSON). */
function sandboxCgroupParent(info: Record<string, string>): string | undefined {
  try {
    const parsed = JSON.parse(info.info ?? '{}') as {
      config?: { linux?: { cgroup_parent?: string } };
      runtimeSpec?: { linux?: { cgroupsPath?: string } };
    };
    const parent = parsed.config?.linux?.cgroup_parent;
    if (parent) return parent;
    const path = parsed.runtimeSpec?.linux?.cgroupsPath;
    return path && path.startsWith('/') ? dirname(path) : undefined;
  } catch {
    return undefined;
  }
}

class Supervisor implements EmbeddedContainerd {
  readonly endpoint: string;
  readonly socket: string;
  readonly client: CriClient;
  version!: VersionResponse;
  restarts = 0;
  timings: StartupTimings = { criReady: 0, pauseImage: 0, total: 0 };

  private child: ChildProcess | undefined;
  private startedAt = 0;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopPromise: Promise<StopReport> | undefined;
  private readyPromise: Promise<void> = Promise.resolve();
  private exitWaiters: (() => void)[] = [];

  constructor(
    readonly paths: ContainerdPaths,
    readonly cniBinDir: string,
    readonly bridgeName: string,
    readonly podCidr: string,
    readonly sandboxImage: string,
    readonly podCgroupRoot: string,
    private readonly opts: StartContainerdOptions,
  ) {
    this.socket = paths.socket;
    this.endpoint = `unix://${paths.socket}`;
    this.client = new CriClient(this.endpoint, { timeoutMs: 60_000 });
    this.backoffMs = opts.restartBackoff?.initialMs ?? 1000;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns containerd (inside the netns when configured) and records its PID. */
  private spawnProcess(): ChildProcess {
    const containerd = findBinary('containerd')!;
    rotateLog(this.paths.log);
    const fd = openSync(this.paths.log, 'a');
    let child: ChildProcess;
    try {
      const [cmd, args] = this.opts.netns
        ? [findBinary('nsenter') ?? 'nsenter', [`--net=${this.opts.netns}`, containerd, '--config', this.paths.config]]
        : [containerd, ['--config', this.paths.config]];
      // Its own process group: a Ctrl-C on the terminal reaches kubelite, which then stops containerd in order.
      child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: childEnv(), detached: true });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`Cannot start containerd: spawn failed (see ${this.paths.log})`);
    this.child = child;
    this.startedAt = Date.now();
    writeFileSync(this.paths.pidFile, `${pid}\n`);
    this.opts.onEvent?.({ type: 'started', pid });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    child.once('error', (err) => log.error('containerd process error', { err }));
    return child;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = undefined;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();
    this.opts.onEvent?.({ type: 'exited', pid: child.pid ?? 0, code, signal });
    if (this.stopping) return;
    log.warn('containerd exited; restarting', { pid: child.pid, code, signal, log: this.paths.log });
    if (Date.now() - this.startedAt > 60_000) this.backoffMs = this.opts.restartBackoff?.initialMs ?? 1000;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.restartBackoff?.maxMs ?? 30_000);
    this.opts.onEvent?.({ type: 'restarting', inMs: wait, restarts: this.restarts + 1 });
    let release!: () => void;
    this.readyPromise = new Promise<void>((r) => { release = r; });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return release();
      this.restarts++;
      this.launch().then(release, (err) => {
        log.error('containerd restart failed', { err });
        release();
      });
    }, wait);
  }

  /** Resolves when the current child exits. */
  private exited(): Promise<void> {
    if (!this.child) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** Starts containerd and waits for CRI; rejects (with the log's tail) if it dies or does not answer in time. */
  async launch(signal?: AbortSignal): Promise<number> {
    const started = Date.now();
    const child = this.spawnProcess();
    const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
    let died = false;
    const death = this.exited().then(() => { died = true; });
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        this.client.waitForRuntime({ timeoutMs, intervalMs: 25, signal: abort.signal }),
        death.then(() => { throw new Error('containerd exited during startup'); }),
      ]);
    } catch (err) {
      if (!died && child.pid !== undefined && this.child === child) {
        child.kill('SIGKILL');
        await this.exited();
      }
      throw new Error(`containerd did not become ready: ${(err as Error).message}. Last log lines:\n${this.logTail()}`, { cause: err });
    } finally {
      abort.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    const ms = Date.now() - started;
    this.opts.onEvent?.({ type: 'ready', pid: child.pid!, ms });
    log.info('containerd ready', { pid: child.pid, ms });
    return ms;
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.paths.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Makes sure the sandbox image is present: kubelite's pause is built (once, cached) and imported offline. */
  async ensureSandboxImage(): Promise<void> {
    if ((await this.client.imageStatus(this.sandboxImage)).image) return;
    if (this.sandboxImage !== PAUSE_IMAGE) {
      await this.client.pullImage(this.sandboxImage, { timeoutMs: 300_000 });
      return;
    }
    mkdirSync(this.paths.imageCache, { recursive: true });
    const file = join(this.paths.imageCache, 'pause.tar');
    if (!existsSync(file)) {
      const image = buildPauseImage();
      writeFileSync(`${file}.tmp`, image.tar);
      renameSync(`${file}.tmp`, file);
      log.info('built the pause image', { variant: image.variant, bytes: image.tar.length });
    }
    await importImages(this.endpoint, [file]);
  }

  async ready(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.stopping) throw new Error('containerd is stopping');
    await this.readyPromise;
    await this.client.waitForRuntime({ timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
  }

  stop(opts: { keepPods?: boolean } = {}): Promise<StopReport> {
    this.stopPromise ??= this.doStop(opts.keepPods ?? false);
    return this.stopPromise;
  }

  private async doStop(keepPods: boolean): Promise<StopReport> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const report: StopReport = { sandboxesRemoved: 0, cgroupsRemoved: 0, bridgeRemoved: false };
    const cgroupParents = new Set<string>();
    if (!keepPods) {
      if (!this.child) {
        // It crashed and is waiting for a restart: bring it back once, only to remove the pods.
        try {
          await this.launch();
        } catch (err) {
          log.error('cannot restart containerd to remove pods', { err });
        }
      }
      if (this.child) report.sandboxesRemoved = await this.removeAllSandboxes(cgroupParents);
    }
    this.client.close();
    const child = this.child;
    if (child?.pid !== undefined) {
      const pid = child.pid;
      const gone = this.exited();
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => { if (alive(pid)) process.kill(pid, 'SIGKILL'); }, 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.paths.pidFile, { force: true });
    if (!keepPods) {
      cgroupParents.add(this.podCgroupRoot);
      // Deepest first, so a parent is empty by the time its turn comes.
      for (const parent of [...cgroupParents].sort((a, b) => b.length - a.length)) {
        if (parent && parent !== '/') report.cgroupsRemoved += removeCgroup(parent);
      }
      report.bridgeRemoved = this.removeBridge();
    }
    log.info('containerd stopped', { keepPods, ...report });
    return report;
  }

  /** Stops and removes every sandbox of this containerd, noting their cgroup parents. */
  private async removeAllSandboxes(cgroupParents: Set<string>): Promise<number> {
    let sandboxes;
    try {
      sandboxes = await this.client.listPodSandbox({}, { timeoutMs: 10_000 });
    } catch (err) {
      log.error('cannot list sandboxes to remove them', { err });
      return 0;
    }
    const results = await Promise.all(sandboxes.map(async (s) => {
      try {
        const st = await this.client.podSandboxStatus(s.id, { verbose: true, timeoutMs: 10_000 });
        const parent = sandboxCgroupParent(st.info);
        if (parent) cgroupParents.add(parent);
      } catch (err) {
        if (!isNotFound(err)) log.warn('cannot read sandbox status', { id: s.id, err });
      }
      try {
        await this.client.stopPodSandbox(s.id, { timeoutMs: 60_000 });
        await this.client.removePodSandbox(s.id, { timeoutMs: 60_000 });
        return 1;
      } catch (err) {
        log.error('cannot remove sandbox', { id: s.id, err });
        return 0;
      }
    }));
    return results.reduce<number>((a, b) => a + b, 0);
  }

  /**
   * Deletes the node's bridge — only when it is a bridge and carries our gateway address, so a misconfigured name
   * never takes down someone else's interface.
   */
  private removeBridge(): boolean {
    const name = this.bridgeName;
    if (!linkInfo(name).bridge) return false;
    try {
      const addrs = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', name], { encoding: 'utf8', env: childEnv() });
      if (!addrs.includes(` ${gatewayOf(this.podCidr)}/`)) {
        log.warn('not removing bridge: it does not carry this node\'s gateway', { bridge: name });
        return false;
      }
      execFileSync('ip', ['link', 'del', name], { stdio: 'ignore', env: childEnv() });
      return true;
    } catch (err) {
      log.warn('cannot remove bridge', { bridge: name, err });
      return false;
    }
  }
}

/**
 * Starts a private containerd for a node; see the module comment. Fails with the exact Debian packages to install
 * when containerd, runc, the CNI plugins or iptables are missing.
 */
export async function startContainerd(opts: StartContainerdOptions): Promise<EmbeddedContainerd> {
  const t0 = Date.now();
  const pre = checkNodePrerequisites({ cniBinDir: opts.cniBinDir });
  if (!pre.ok) throw new Error(pre.message);
  const cniBinDir = opts.cniBinDir ?? pre.cniBinDir ?? detectCniBinDir()!;
  const podCidr = canonicalPodCidr(opts.podCidr);
  const paths = containerdPaths(opts.dataDir);
  for (const d of [paths.dataDir, paths.root, paths.state, dirname(paths.socket)]) mkdirSync(d, { recursive: true });
  await killStale(paths);
  rmSync(paths.socket, { force: true });
  rmSync(`${paths.socket}.ttrpc`, { force: true });

  const bridgeName = opts.bridgeName ?? 'kl0';
  const sandboxImage = opts.sandboxImage ?? PAUSE_IMAGE;
  // Written before containerd starts: a conflist that appears later was not picked up.
  writeCniConfig(paths.cniConfDir, { name: opts.networkName ?? 'kubelite', bridge: bridgeName, podCidr, ipamDataDir: paths.cniIpamDir });
  writeRegistryHosts(paths.registryDir, opts);
  writeFileSync(paths.config, containerdConfig(paths, {
    sandboxImage, cniBinDir, runcBinary: findBinary('runc')!, streamServerAddress: opts.streamServerAddress,
  }));

  const sup = new Supervisor(paths, cniBinDir, bridgeName, podCidr, sandboxImage, opts.podCgroupRoot ?? '/kubelite', opts);
  try {
    sup.timings.criReady = await sup.launch(opts.signal);
    sup.version = await sup.client.version();
    const t1 = Date.now();
    await sup.ensureSandboxImage();
    sup.timings.pauseImage = Date.now() - t1;
  } catch (err) {
    await sup.stop({ keepPods: true }).catch(() => undefined);
    throw err;
  }
  sup.timings.total = Date.now() - t0;
  return sup;
}
