/**
 * A throwaway network lab for kube-proxy tests and benchmarks, all inside network namespaces this process creates:
 *  - a "node" namespace with a pod bridge (10.99.K.1/24, the pod CIDR) and a veth to an "outside" client namespace
 *    (node IP 10.98.K.1, client 10.98.K.2), ip_forward on;
 *  - "pods": namespaces with a veth on the bridge, an address 10.99.K.N and busybox httpd answering their name on
 *    each port;
 *  - `fetchMany` runs a small Node client inside any of these namespaces and tallies the answers.
 * The host's own interfaces, routes and tables are never touched; `destroy()` kills the servers and deletes the
 * namespaces (which takes their veths, bridges, routes and nft tables with them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { netnsRunner, runCommand, type CommandRunner } from '../../src/node/proxy/index.js';

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'kube-proxy tests need root (network namespaces and nftables)';
  for (const bin of ['/usr/sbin/nft', '/usr/sbin/ip', '/usr/bin/nsenter', '/usr/bin/busybox']) {
    if (!existsSync(bin)) return `kube-proxy tests need ${bin} (apt-get install -y nftables iproute2 util-linux busybox)`;
  }
  return undefined;
}

async function sh(run: CommandRunner, cmd: string, ...args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** A pod: its namespace, address and servers. */
export interface LabPod {
  name: string;
  netns: string;
  ip: string;
}

/** Tally of a batch of requests: body → count, plus failures by message. */
export interface FetchTally {
  ok: Record<string, number>;
  failed: Record<string, number>;
}

/** One lab. */
export class NetnsLab {
  readonly id = randomBytes(3).toString('hex');
  /** The third octet of this lab's subnets. */
  readonly k: number;
  readonly node: string;
  readonly outside: string;
  readonly nodeIP: string;
  readonly outsideIP: string;
  readonly podCidr: string;
  /** Runs commands in the node namespace (give it to runProxy as `exec`). */
  readonly nodeExec: CommandRunner;
  readonly pods: LabPod[] = [];
  private readonly namespaces: string[] = [];
  private readonly servers: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'kubelite-proxy-lab-'));

  constructor() {
    this.k = 100 + (parseInt(this.id, 16) % 150);
    this.node = `kpn-${this.id}`;
    this.outside = `kpe-${this.id}`;
    this.nodeIP = `10.98.${this.k}.1`;
    this.outsideIP = `10.98.${this.k}.2`;
    this.podCidr = `10.99.${this.k}.0/24`;
    this.nodeExec = netnsRunner(`/run/netns/${this.node}`);
  }

  /** Creates the node and outside namespaces. */
  async setup(): Promise<void> {
    await this.addNetns(this.node);
    const n = this.nodeExec;
    await sh(n, 'ip', 'link', 'set', 'lo', 'up');
    await sh(n, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await sh(n, 'ip', 'link', 'add', 'kpbr', 'type', 'bridge');
    await sh(n, 'ip', 'addr', 'add', `10.99.${this.k}.1/24`, 'dev', 'kpbr');
    await sh(n, 'ip', 'link', 'set', 'kpbr', 'up');
    await this.addNetns(this.outside);
    await sh(n, 'ip', 'link', 'add', 'vx', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.outside);
    await sh(n, 'ip', 'addr', 'add', `${this.nodeIP}/24`, 'dev', 'vx');
    await sh(n, 'ip', 'link', 'set', 'vx', 'up');
    const o = this.exec(this.outside);
    await sh(o, 'ip', 'link', 'set', 'lo', 'up');
    await sh(o, 'ip', 'addr', 'add', `${this.outsideIP}/24`, 'dev', 'eth0');
    await sh(o, 'ip', 'link', 'set', 'eth0', 'up');
    await sh(o, 'ip', 'route', 'add', 'default', 'via', this.nodeIP);
  }

  /** A runner inside namespace `netns`. */
  exec(netns: string): CommandRunner {
    return netnsRunner(`/run/netns/${netns}`);
  }

  private async addNetns(name: string): Promise<void> {
    await sh(runCommand, 'ip', 'netns', 'add', name);
    this.namespaces.push(name);
  }

  /** Adds the next pod (address 10.99.K.(10+n)) with an HTTP server on each port answering `<name>:<port>`. */
  async addPod(name: string, ports: number[] = [8080]): Promise<LabPod> {
    const pod = await this.addPodNet(name);
    for (const port of ports) this.serve(pod.netns, `${name}:${port}`, port);
    for (const port of ports) await this.waitServing(pod.ip, port, (t) => !!t.ok[`${name}:${port}`]);
    return pod;
  }

  private async addPodNet(name: string): Promise<LabPod> {
    const idx = this.pods.length;
    const netns = `kpp-${this.id}-${idx}`;
    const ip = `10.99.${this.k}.${10 + idx}`;
    await this.addNetns(netns);
    const n = this.nodeExec;
    await sh(n, 'ip', 'link', 'add', `vp${idx}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    await sh(n, 'ip', 'link', 'set', `vp${idx}`, 'master', 'kpbr');
    // As the CNI bridge plugin's hairpinMode: with br_netfilter loaded, a pod's packet DNATed back to itself is
    // bridged out of the port it came in on, which the bridge drops unless hairpin is on.
    await sh(n, 'ip', 'link', 'set', `vp${idx}`, 'type', 'bridge_slave', 'hairpin', 'on');
    await sh(n, 'ip', 'link', 'set', `vp${idx}`, 'up');
    const p = this.exec(netns);
    await sh(p, 'ip', 'link', 'set', 'lo', 'up');
    await sh(p, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    await sh(p, 'ip', 'link', 'set', 'eth0', 'up');
    await sh(p, 'ip', 'route', 'add', 'default', 'via', `10.99.${this.k}.1`);
    const pod = { name, netns, ip };
    this.pods.push(pod);
    return pod;
  }

  /** Starts busybox httpd in `netns` on `port`, answering `body` (also on any /path), and keeps it until destroy. */
  serve(netns: string, body: string, port: number): void {
    const dir = join(this.dir, `${netns}-${port}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), body);
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' });
    this.servers.push(child);
  }

  /** Starts an HTTP server in `netns` on `port` that answers with the client's address as it sees it. */
  serveEcho(netns: string, port: number): void {
    const script = `require('node:http').createServer((q, s) => s.end(String(q.socket.remoteAddress).replace(/^::ffff:/, ''))).listen(${port})`;
    this.servers.push(spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', script], { stdio: 'ignore' }));
  }

  /** Adds a pod whose server on `port` echoes the client address (for source-IP checks). */
  async addEchoPod(name: string, port = 8080): Promise<LabPod> {
    const pod = await this.addPodNet(name);
    this.serveEcho(pod.netns, port);
    await this.waitServing(pod.ip, port, () => true);
    return pod;
  }

  private async waitServing(ip: string, port: number, good: (t: FetchTally) => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const t = await this.fetchMany(this.node, `http://${ip}:${port}/`, 1);
      if (Object.keys(t.ok).length > 0 && good(t)) return;
      if (Date.now() > deadline) throw new Error(`pod at ${ip}:${port} did not answer: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Makes `count` HTTP GETs to `url` from inside `netns`, each on a fresh connection (so each is a new conntrack
   * entry and a new random choice), `parallel` at a time, and tallies the answers.
   */
  async fetchMany(netns: string, url: string, count: number, opts: { parallel?: number; timeoutMs?: number; localAddress?: string } = {}): Promise<FetchTally> {
    const script = `
      const http = require('node:http');
      const [url, count, parallel, timeout, localAddress] = process.argv.slice(1);
      const ok = {}, failed = {};
      let left = Number(count);
      function one() {
        return new Promise((resolve) => {
          const req = http.get(url, { agent: false, timeout: Number(timeout), localAddress: localAddress || undefined, headers: { connection: 'close' } }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => { const b = body.trim(); ok[b] = (ok[b] || 0) + 1; resolve(); });
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', (e) => { const m = e.code || e.message; failed[m] = (failed[m] || 0) + 1; resolve(); });
        });
      }
      async function worker() { while (left-- > 0) await one(); }
      Promise.all(Array.from({ length: Number(parallel) }, worker)).then(() => console.log(JSON.stringify({ ok, failed })));
    `;
    const r = await runCommand('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', script, url, String(count), String(opts.parallel ?? 4), String(opts.timeoutMs ?? 2000), opts.localAddress ?? '']);
    if (r.code !== 0) throw new Error(`client in ${netns} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as FetchTally;
  }

  /** Kills the servers and deletes every namespace (with everything in it). */
  async destroy(): Promise<void> {
    for (const s of this.servers) if (s.pid && s.exitCode === null) s.kill('SIGKILL');
    await Promise.all(this.servers.map((s) => (s.exitCode !== null || s.signalCode ? undefined : new Promise((r) => s.once('exit', r)))));
    for (const ns of this.namespaces.reverse()) await runCommand('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
