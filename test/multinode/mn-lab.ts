/**
 * A two-node lab for the multi-node tests: a host bridge `kltmn0` (192.168.251.1/24) with one network namespace per
 * node joined to it by a veth (the node IP is the namespace's end), and real `kubelite agent` processes started
 * inside those namespaces with `nsenter --net` (not `ip netns exec`, which remounts /sys and hides the cgroups), so
 * that each agent's containerd, CNI bridge `kl0`, routes and kube-proxy rules belong to its namespace.
 * Host-gw routes between the nodes' pod CIDRs are installed by the lab (the agent does not install peer routes).
 * `destroy()` stops the agents (with --cleanup), kills any containerd or shim still running from their data dirs (by
 * PID), and removes the routes, namespaces, veths and bridge it made.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBELITE_BIN, run, type RunResult } from '../support/kubelite.js';

/** The host bridge of the lab. */
export const LAB_BRIDGE = 'kltmn0';
/** The host's address on the lab bridge (the API server listens here). */
export const LAB_HOST_IP = '192.168.251.1';
const LAB_PREFIX = '192.168.251.';

/** Why the lab cannot run here, or undefined when it can. */
export function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'multi-node tests need root (network namespaces, containerd, nftables)';
  for (const bin of ['/usr/sbin/nft', '/usr/sbin/ip', '/usr/bin/nsenter', '/usr/bin/containerd', '/usr/sbin/runc']) {
    if (!existsSync(bin)) return `multi-node tests need ${bin} (apt-get install -y nftables iproute2 util-linux containerd runc containernetworking-plugins)`;
  }
  if (existsSync(`/sys/class/net/${LAB_BRIDGE}`)) return `bridge ${LAB_BRIDGE} already exists (another multi-node run?)`;
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  if (routes.includes(LAB_PREFIX) || routes.includes('10.245.') || routes.includes('10.97.')) {
    return 'the lab ranges 192.168.251.0/24, 10.245.0.0/16 or 10.97.0.0/16 are already routed on this machine';
  }
  return undefined;
}

function sh(...args: string[]): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quiet(...args: string[]): void {
  try {
    sh(...args);
  } catch {
    // already gone
  }
}

/** PIDs whose command line mentions `needle`. */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      // exited
    }
  }
  return out.filter((p) => p !== process.pid);
}

/** One node of the lab. */
export class LabNode {
  readonly netns: string;
  readonly dataDir: string;
  proc?: ChildProcess;
  private out = '';
  podCidr?: string;

  constructor(readonly name: string, readonly ip: string, readonly hostVeth: string) {
    this.netns = `kltmn-${name}`;
    this.dataDir = mkdtempSync(join(tmpdir(), `kubelite-mn-${name}-`));
  }

  /** Output of the current agent process so far. */
  logs(): string {
    return this.out;
  }

  /** Forgets the output of an earlier agent process. */
  clearLog(): void {
    this.out = '';
  }

  /** Appends agent output (called by the lab). */
  appendLog(chunk: Buffer | string): void {
    this.out += String(chunk);
  }

  /** Runs a command inside the node's namespace. */
  exec(...args: string[]): string {
    return sh('nsenter', `--net=/run/netns/${this.netns}`, ...args);
  }
}

/** The lab. */
export class MultiNodeLab {
  readonly nodes: LabNode[] = [];
  private readonly hostRoutes: string[] = [];

  /** Creates the bridge and one namespace per node name (node IPs .2, .3, …). */
  constructor(names: string[]) {
    names.forEach((n, i) => this.nodes.push(new LabNode(n, `${LAB_PREFIX}${2 + i}`, `kltmn-v${i}`)));
  }

  setup(): void {
    sh('ip', 'link', 'add', LAB_BRIDGE, 'type', 'bridge');
    sh('ip', 'addr', 'add', `${LAB_HOST_IP}/24`, 'dev', LAB_BRIDGE);
    sh('ip', 'link', 'set', LAB_BRIDGE, 'up');
    for (const n of this.nodes) {
      sh('ip', 'netns', 'add', n.netns);
      sh('ip', 'link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns);
      sh('ip', 'link', 'set', n.hostVeth, 'master', LAB_BRIDGE);
      sh('ip', 'link', 'set', n.hostVeth, 'up');
      n.exec('ip', 'link', 'set', 'lo', 'up');
      n.exec('ip', 'addr', 'add', `${n.ip}/24`, 'dev', 'eth0');
      n.exec('ip', 'link', 'set', 'eth0', 'up');
      n.exec('ip', 'route', 'add', 'default', 'via', LAB_HOST_IP);
      n.exec('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    }
  }

  /**
   * Workaround (reported to the lead): src/node/kubelet/cluster-routes.ts decides whether to create its port-less
   * `kubelite-svc` bridge by looking at /sys/class/net, which under `nsenter --net` still shows the HOST's
   * interfaces. So an agent in a namespace fails with `ip link add kubelite-svc: File exists` when its namespace has
   * one and the host has none (any restart), or with `ip link set kubelite-svc up: Cannot find device` when the
   * host has one (a node running on the host) and the namespace has none. Make the namespace agree with the host.
   */
  private alignServiceDevice(node: LabNode): void {
    const inNs = node.exec('ip', '-o', 'link', 'show').split('\n').some((l) => /^\d+: kubelite-svc[:@]/.test(l));
    const onHost = existsSync('/sys/class/net/kubelite-svc');
    if (onHost && !inNs) node.exec('ip', 'link', 'add', 'kubelite-svc', 'type', 'bridge');
    if (!onHost && inNs) node.exec('ip', 'link', 'del', 'kubelite-svc');
  }

  /**
   * Starts `kubelite agent` inside the node's namespace and waits until it says it registered. A start that failed
   * on the `kubelite-svc` race (see alignServiceDevice: other tests on this machine add and remove the host's
   * device at any time) is tried again, at most 5 times.
   */
  async startAgent(node: LabNode, kubeconfig: string, extra: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startAgentOnce(node, kubeconfig, extra);
      } catch (err) {
        if (attempt >= 5 || !/kubelite-svc/.test(node.logs())) throw err;
      }
    }
  }

  private async startAgentOnce(node: LabNode, kubeconfig: string, extra: string[]): Promise<void> {
    const args = [
      `--net=/run/netns/${node.netns}`, process.execPath, KUBELITE_BIN, 'agent',
      '--kubeconfig', kubeconfig, '--data-dir', node.dataDir, '--node-name', node.name, '--node-ip', node.ip,
      '--disable-ingress', '--disable-default-registry-endpoint', ...extra,
    ];
    this.alignServiceDevice(node);
    node.clearLog();
    const proc = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: process.env.KUBELITE_LOG ?? 'warn' } });
    node.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => node.appendLog(d));
    proc.stderr!.on('data', (d: Buffer) => node.appendLog(d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent ${node.name} did not register in 60s:\n${node.logs()}`)), 60_000);
      const check = () => {
        if (/registered with/.test(node.logs())) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent ${node.name} exited with ${code}:\n${node.logs()}`));
      });
    });
  }

  /** Sends SIGTERM to a node's agent and waits for it to exit (SIGKILL after `timeoutMs`). */
  async stopAgent(node: LabNode, timeoutMs = 30_000): Promise<void> {
    const proc = node.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', (code, signal) => {
      node.appendLog(`[agent exited: code ${code} signal ${signal}]\n`);
      r();
    }));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }

  /** Installs host-gw routes: every node's pod CIDR via its node IP, on the host and on every other node. */
  installPodRoutes(): void {
    for (const n of this.nodes) {
      if (!n.podCidr) throw new Error(`node ${n.name} has no pod CIDR yet`);
      sh('ip', 'route', 'replace', n.podCidr, 'via', n.ip, 'dev', LAB_BRIDGE);
      this.hostRoutes.push(n.podCidr);
      for (const peer of this.nodes) if (peer !== n) peer.exec('ip', 'route', 'replace', n.podCidr, 'via', n.ip, 'dev', 'eth0');
    }
  }

  /** An HTTP GET from the host (a Node child process, so a hang cannot stall the test runner). */
  httpGet(url: string, timeoutMs = 3000): Promise<RunResult> {
    const script = `fetch(process.argv[1], { signal: AbortSignal.timeout(${timeoutMs}) }).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(String(e.cause ?? e)); process.exit(2); })`;
    return run(process.execPath, ['-e', script, url], { timeoutMs: timeoutMs + 5000 });
  }

  /**
   * Stops every agent, kills containerd and shims still running from the nodes' data dirs, unmounts what they left,
   * and removes the routes, namespaces, veths, bridge and data dirs.
   */
  async destroy(): Promise<string[]> {
    const leftovers: string[] = [];
    for (const n of this.nodes) await this.stopAgent(n);
    for (const n of this.nodes) {
      for (const pid of pidsMentioning(n.dataDir)) {
        leftovers.push(`pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const cidr of this.hostRoutes) quiet('ip', 'route', 'del', cidr);
    for (const n of this.nodes) {
      const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(n.dataDir));
      for (const m of mounts.sort((a, b) => b.length - a.length)) quiet('umount', '-l', m);
      quiet('ip', 'netns', 'del', n.netns);
      quiet('ip', 'link', 'del', n.hostVeth);
      rmSync(n.dataDir, { recursive: true, force: true });
    }
    quiet('ip', 'link', 'del', LAB_BRIDGE);
    return leftovers;
  }
}
