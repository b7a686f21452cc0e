/**
 * Forwarding of names outside the cluster to upstream resolvers (the host's, from /etc/resolv.conf, or
 * `--dns-upstream HOST:PORT`), as CoreDNS's forward + cache plugins:
 *  - queries go over UDP with EDNS (1232 bytes); a truncated reply is asked again over TCP;
 *  - each server gets `timeoutMs`; on silence or SERVFAIL the next one is tried;
 *  - identical concurrent questions share one upstream query;
 *  - answers are cached for their smallest TTL (negative ones for the SOA's minimum), at most `maxTtl` seconds,
 *    and served with the TTLs counted down; failures are not cached.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import type { Answer, RecordClass, RecordType } from 'dns-packet';
import { realClock, type Clock } from '../../util/clock.js';

/** One upstream resolver. */
export interface UpstreamServer {
  host: string;
  port: number;
}

/** What an upstream said about a question, TTLs already counted down. */
export interface UpstreamAnswer {
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Options of {@link Upstream}. */
export interface UpstreamOptions {
  timeoutMs?: number;
  maxCacheEntries?: number;
  /** Longest time an answer is cached (seconds). */
  maxTtl?: number;
  clock?: Clock;
}

/** Parses `HOST:PORT`, `[v6]:PORT`, `HOST` or a bare IPv6 address (port 53 by default). */
export function parseUpstream(spec: string): UpstreamServer {
  const s = spec.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1], port: Number(bracket[2] ?? 53) };
  if ((s.match(/:/g) ?? []).length > 1) return { host: s, port: 53 };
  const [host, port] = s.split(':');
  if (!host || (port !== undefined && !/^\d+$/.test(port))) throw new Error(`Cannot use DNS upstream "${spec}": want HOST:PORT`);
  return { host, port: Number(port ?? 53) };
}

/** The nameservers of a resolv.conf text. */
export function nameserversFromResolvConf(text: string): UpstreamServer[] {
  const out: UpstreamServer[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push({ host: m[1].replace(/%.*$/, ''), port: 53 });
  }
  return out;
}

/** The host's resolvers from `path` (default /etc/resolv.conf); empty if unreadable. */
export function hostNameservers(path = '/etc/resolv.conf'): UpstreamServer[] {
  try {
    return nameserversFromResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

interface CacheEntry {
  storedAt: number;
  expires: number;
  answer: UpstreamAnswer;
}

interface Pending {
  resolve(buf: Buffer): void;
  name: string;
  type: string;
}

const EDNS_SIZE = 1232;

function minTtl(a: UpstreamAnswer): number | undefined {
  if (a.rcode === 'NOERROR' && a.answers.length > 0) return Math.min(...a.answers.map((r) => (r as { ttl?: number }).ttl ?? 0));
  const soa = a.authorities.find((r) => r.type === 'SOA');
  if (soa && soa.type === 'SOA' && (a.rcode === 'NXDOMAIN' || a.rcode === 'NOERROR')) return Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0);
  return undefined;
}

function countDown(records: Answer[], elapsedS: number): Answer[] {
  return records.map((r) => ('ttl' in r ? { ...r, ttl: Math.max(0, (r.ttl ?? 0) - elapsedS) } : r) as Answer);
}

/** A caching forwarder to a list of upstream resolvers. */
export class Upstream {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<UpstreamAnswer>>();
  private readonly pending = new Map<number, Pending>();
  private sockets: { v4?: dgram.Socket; v6?: dgram.Socket } = {};
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly maxTtl: number;
  private readonly clock: Clock;
  private closed = false;

  constructor(readonly servers: readonly UpstreamServer[], opts: UpstreamOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxEntries = opts.maxCacheEntries ?? 10_000;
    this.maxTtl = opts.maxTtl ?? 3600;
    this.clock = opts.clock ?? realClock;
  }

  /** Resolves `name`/`type` upstream (or from the cache). Never rejects: failures are SERVFAIL. */
  resolve(name: string, type: RecordType, cls: RecordClass = 'IN'): Promise<UpstreamAnswer> {
    const key = `${name.toLowerCase()}|${type}|${cls}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) {
      const elapsed = Math.floor((now - hit.storedAt) / 1000);
      const a = hit.answer;
      return Promise.resolve({ rcode: a.rcode, answers: countDown(a.answers, elapsed), authorities: countDown(a.authorities, elapsed), additionals: countDown(a.additionals, elapsed) });
    }
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.query(name, type, cls).then((answer) => {
        this.inflight.delete(key);
        const ttl = minTtl(answer);
        if (ttl !== undefined && ttl > 0 && !this.closed) {
          if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
          const at = this.clock.now();
          this.cache.set(key, { storedAt: at, expires: at + Math.min(ttl, this.maxTtl) * 1000, answer });
        }
        return answer;
      });
      this.inflight.set(key, p);
    }
    return p;
  }

  private async query(name: string, type: RecordType, cls: RecordClass): Promise<UpstreamAnswer> {
    for (const server of this.servers) {
      if (this.closed) break;
      try {
        let reply = await this.udpQuery(server, name, type, cls);
        if (!reply) continue;
        if (reply.flag_tc) reply = await this.tcpQuery(server, name, type, cls);
        const rcode = (reply as { rcode?: string }).rcode ?? 'NOERROR';
        if (rcode === 'SERVFAIL' || rcode === 'REFUSED') continue;
        return {
          rcode, answers: reply.answers ?? [], authorities: reply.authorities ?? [],
          additionals: (reply.additionals ?? []).filter((r) => r.type !== 'OPT'),
        };
      } catch {
        // try the next server
      }
    }
    return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
  }

  private packet(id: number, name: string, type: RecordType, cls: RecordClass): Buffer {
    return dnsPacket.encode({
      type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: cls }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
  }

  private socket(family: 4 | 6): dgram.Socket {
    const k = family === 4 ? 'v4' : 'v6';
    let s = this.sockets[k];
    if (!s) {
      s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      s.on('message', (msg) => {
        if (msg.length < 12) return;
        const p = this.pending.get(msg.readUInt16BE(0));
        if (p) p.resolve(msg);
      });
      s.on('error', () => undefined);
      s.unref();
      this.sockets[k] = s;
    }
    return s;
  }

  private udpQuery(server: UpstreamServer, name: string, type: RecordType, cls: RecordClass): Promise<dnsPacket.DecodedPacket | undefined> {
    let id: number;
    do id = Math.floor(Math.random() * 65536); while (this.pending.has(id));
    const sock = this.socket(net.isIPv6(server.host) ? 6 : 4);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      this.pending.set(id, {
        name, type,
        resolve: (buf) => {
          let reply: dnsPacket.DecodedPacket;
          try {
            reply = dnsPacket.decode(buf);
          } catch {
            return;
          }
          const q = reply.questions?.[0];
          if (!q || q.name.toLowerCase() !== name.toLowerCase() || q.type !== type) return; // not ours: keep waiting
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(reply);
        },
      });
      sock.send(this.packet(id, name, type, cls), server.port, server.host, (err) => {
        if (err) {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(undefined);
        }
      });
    });
  }

  private tcpQuery(server: UpstreamServer, name: string, type: RecordType, cls: RecordClass): Promise<dnsPacket.DecodedPacket> {
    const id = Math.floor(Math.random() * 65536);
    const body = this.packet(id, name, type, cls);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: server.host, port: server.port });
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => sock.destroy(new Error(`DNS upstream ${server.host}:${server.port} timed out over TCP`)), this.timeoutMs);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(body.length);
        sock.end(Buffer.concat([len, body]));
      });
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          sock.destroy();
          try {
            resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          } catch (err) {
            reject(err);
          }
        }
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      sock.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`DNS upstream ${server.host}:${server.port} closed the TCP connection`));
      });
    });
  }

  /** Closes the sockets; pending queries end as SERVFAIL. */
  close(): void {
    this.closed = true;
    for (const s of Object.values(this.sockets)) s?.close();
    this.sockets = {};
    this.cache.clear();
  }
}
