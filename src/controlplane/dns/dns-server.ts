/**
 * The cluster DNS server: UDP and TCP (RFC 7766 length-prefixed, pipelined) on each listen address, answering the
 * cluster zone from {@link ClusterDnsRecords} and forwarding everything else through {@link Upstream}.
 *
 * Hot path. Answers for cluster names are encoded once (with dns-packet) per question and records version, in a
 * plain and an EDNS variant, and kept by the lower-cased question bytes. A query that is a plain single question
 * (optionally with one OPT record) is answered by copying those bytes and patching the id, the RD bit and the
 * question's original spelling (so 0x20 case randomisation survives) — no decode, no encode, one small allocation.
 * Everything else (cache misses, other opcodes, upstream names) takes the slow path through dns-packet.
 *
 * UDP answers larger than the client's limit (512 bytes, or its EDNS size) are replaced by an empty answer with the
 * TC bit, so the client retries over TCP.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet, Question, RecordType } from 'dns-packet';
import { logger } from '../../util/log.js';
import type { ClusterDnsRecords, QueryType, Resolution } from './records.js';
import type { Upstream } from './upstream.js';

const log = logger('dns');

/** An address to serve on. Port 0 picks a free port (the same for UDP and TCP). */
export interface ListenAddress {
  address: string;
  port: number;
}

/** Options of {@link DnsServer.start}. */
export interface DnsServerOptions {
  records: ClusterDnsRecords;
  /** Where names outside the cluster go; without it they are REFUSED. */
  upstream?: Upstream;
  listen: readonly ListenAddress[];
  /** False until the caches have synced; cluster names are answered SERVFAIL meanwhile (as CoreDNS). */
  isReady?: () => boolean;
  /** Encoded answers kept (default 20,000). */
  maxCachedAnswers?: number;
}

/** The EDNS payload size this server advertises (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;
const TCP_IDLE_MS = 10_000;
const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

interface CachedAnswer {
  version: number;
  plain: Buffer;
  edns: Buffer;
  plainTruncated?: Buffer;
  ednsTruncated?: Buffer;
}

/** The parsed shape of a query simple enough for the hot path. */
interface SimpleQuery {
  /** End of the question section. */
  qend: number;
  edns: boolean;
  udpSize: number;
}

function opt(udpPayloadSize = EDNS_UDP_SIZE): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Answer;
}

/**
 * Recognises a plain query: QR=0, opcode QUERY, one question without compression, no answer/authority records, and
 * at most one additional record that is an EDNS(0) OPT. Undefined for anything else.
 */
function simpleQuery(msg: Buffer): SimpleQuery | undefined {
  const len = msg.length;
  if (len < 17 || (msg[2] & 0xf8) !== 0) return undefined; // QR=0, opcode 0
  if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0 || msg[11] > 1) return undefined;
  let pos = 12;
  for (;;) {
    if (pos >= len) return undefined;
    const l = msg[pos];
    if (l === 0) break;
    if (l > 63) return undefined; // compression pointer or reserved label type
    pos += l + 1;
  }
  const qend = pos + 5;
  if (qend > len || qend - 12 > 259) return undefined;
  if (msg[11] === 0) return qend === len ? { qend, edns: false, udpSize: 512 } : undefined;
  // OPT: root name, type 41, class = payload size, ttl (ext rcode, version, flags), rdlength, rdata.
  if (qend + 11 > len || msg[qend] !== 0 || msg[qend + 1] !== 0 || msg[qend + 2] !== 41 || msg[qend + 6] !== 0) return undefined;
  if (qend + 11 + msg.readUInt16BE(qend + 9) !== len) return undefined;
  return { qend, edns: true, udpSize: Math.max(512, msg.readUInt16BE(qend + 3)) };
}

/** Encodes a response packet; a variant without answers and with TC set when it exceeds `limit`. */
function encodeWithin(p: Packet, limit: number): Buffer {
  const buf = dnsPacket.encode(p);
  if (buf.length <= limit) return buf;
  return dnsPacket.encode({ ...p, flags: (p.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: (p.additionals ?? []).filter((a) => a.type === 'OPT') });
}

/** A running DNS server. */
export class DnsServer {
  /** The addresses actually bound (ports resolved). */
  readonly addresses: ListenAddress[] = [];
  private readonly udp: dgram.Socket[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly conns = new Set<net.Socket>();
  private readonly cache = new Map<string, CachedAnswer>();
  private readonly maxCached: number;
  private readonly scratch = Buffer.allocUnsafe(512);

  private constructor(private readonly opts: DnsServerOptions) {
    this.maxCached = opts.maxCachedAnswers ?? 20_000;
  }

  /** Binds every listen address (UDP and TCP on the same port) and starts answering. */
  static async start(opts: DnsServerOptions): Promise<DnsServer> {
    const s = new DnsServer(opts);
    try {
      for (const l of opts.listen) s.addresses.push(await s.bind(l));
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  private async bind(l: ListenAddress): Promise<ListenAddress> {
    // With port 0 the UDP port is picked first and TCP must get the same one; retry if TCP finds it taken.
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(l.address) ? 'udp6' : 'udp4', reuseAddr: false });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(l.port, l.address, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = net.createServer((sock) => this.onTcp(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, l.address, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        if (l.port === 0 && attempt < 10 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new Error(`Cannot serve DNS on ${l.address}:${port}/tcp: ${(err as Error).message}`, { cause: err });
      }
      udp.on('message', (msg, rinfo) => this.onUdp(udp, msg, rinfo));
      udp.on('error', (err) => log.warn('udp socket error', { error: err }));
      this.udp.push(udp);
      this.tcp.push(tcp);
      return { address: l.address, port };
    }
  }

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const out = this.answer(msg, 'udp');
    if (out === undefined) return;
    if (!(out instanceof Promise)) sock.send(out, rinfo.port, rinfo.address);
    else out.then((b) => b && sock.send(b, rinfo.port, rinfo.address), (err) => log.warn('query failed', { error: err }));
  }

  private onTcp(sock: net.Socket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    let buf = Buffer.alloc(0);
    const reply = (b: Buffer | undefined) => {
      if (!b || sock.destroyed) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(b.length);
      sock.write(Buffer.concat([len, b]));
    };
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        const msg = Buffer.from(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        const out = this.answer(msg, 'tcp');
        if (!(out instanceof Promise)) reply(out);
        else out.then(reply, (err) => log.warn('query failed', { error: err }));
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => this.conns.delete(sock));
  }

  /**
   * Answers one DNS message received over `transport`: synchronously from the encoded-answer cache when possible,
   * else asynchronously. Undefined for messages not worth an answer (too short to carry an id).
   */
  answer(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | Promise<Buffer | undefined> | undefined {
    const q = simpleQuery(msg);
    if (q) {
      const hit = this.fromCache(msg, q, transport);
      if (hit) return hit;
    }
    if (msg.length < 12) return undefined;
    return this.slow(msg, q, transport);
  }

  private cacheKey(msg: Buffer, qend: number): string {
    const n = qend - 12;
    const s = this.scratch;
    for (let i = 0; i < n; i++) {
      const c = msg[12 + i];
      s[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    return s.toString('latin1', 0, n);
  }

  private fromCache(msg: Buffer, q: SimpleQuery, transport: 'udp' | 'tcp'): Buffer | undefined {
    const entry = this.cache.get(this.cacheKey(msg, q.qend));
    if (!entry || entry.version !== this.opts.records.version) return undefined;
    let src = q.edns ? entry.edns : entry.plain;
    const limit = transport === 'tcp' ? 65535 : q.udpSize;
    if (src.length > limit) {
      src = q.edns
        ? (entry.ednsTruncated ??= encodeWithin(dnsPacket.decode(entry.edns), 0))
        : (entry.plainTruncated ??= encodeWithin(dnsPacket.decode(entry.plain), 0));
    }
    const out = Buffer.allocUnsafe(src.length);
    src.copy(out);
    out[0] = msg[0];
    out[1] = msg[1];
    out[2] = (out[2] & 0xfe) | (msg[2] & 0x01); // echo RD
    msg.copy(out, 12, 12, q.qend); // the question as the client spelled it
    return out;
  }

  private async slow(msg: Buffer, q: SimpleQuery | undefined, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const id = msg.readUInt16BE(0);
    const rd = (msg[2] & 0x01) !== 0;
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return dnsPacket.encode({ type: 'response', id, flags: RCODES.FORMERR, questions: [] });
    }
    if (query.type === 'response') return undefined;
    const ednsRecord = (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number; ednsVersion?: number } | undefined;
    const limit = transport === 'tcp' ? 65535 : ednsRecord ? Math.max(512, ednsRecord.udpPayloadSize ?? 512) : 512;
    const base = (rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE;
    const questions = query.questions ?? [];
    const reply = (rcode: string, extra: Partial<Packet> = {}, flags = 0): Buffer => encodeWithin({
      type: 'response', id, flags: base | flags | (RCODES[rcode] ?? 2), questions,
      ...extra, additionals: [...(extra.additionals ?? []), ...(ednsRecord ? [opt()] : [])],
    }, limit);
    const opcode = (msg[2] >> 3) & 0x0f;
    if (opcode !== 0) return reply('NOTIMP');
    if (questions.length !== 1) return reply('FORMERR');
    if (ednsRecord && (ednsRecord.ednsVersion ?? 0) > 0) {
      // BADVERS is extended rcode 16: 1 in the OPT's upper bits, 0 in the header.
      return encodeWithin({ type: 'response', id, flags: base, questions, additionals: [{ ...opt(), extendedRcode: 1 } as Answer] }, limit);
    }
    const question = questions[0];
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const records = this.opts.records;
    if ((question.class ?? 'IN') !== 'IN' && question.class !== 'ANY') return reply('REFUSED');
    const res = records.resolve(name, question.type as QueryType);
    if (res) {
      if (this.opts.isReady && !this.opts.isReady()) return reply('SERVFAIL');
      if (res.chase) return reply(...(await this.chase(res, question)), dnsPacket.AUTHORITATIVE_ANSWER);
      if (q) this.remember(msg, q, question, res, records.version);
      return reply(res.rcode, res, dnsPacket.AUTHORITATIVE_ANSWER);
    }
    if (!this.opts.upstream) return reply('REFUSED');
    const up = await this.opts.upstream.resolve(question.name, question.type, question.class ?? 'IN');
    return reply(up.rcode, up);
  }

  /** Follows an ExternalName CNAME: inside the zone from the records, outside through the upstream. */
  private async chase(res: Resolution, question: Question): Promise<[string, Partial<Packet>]> {
    const target = res.chase!;
    const records = this.opts.records;
    if (records.inZone(target)) {
      const t = records.resolve(target, question.type as QueryType)!;
      return [t.rcode, { answers: [...res.answers, ...t.answers], authorities: t.authorities }];
    }
    if (!this.opts.upstream) return ['NOERROR', { answers: res.answers }];
    const up = await this.opts.upstream.resolve(target, question.type as RecordType, 'IN');
    if (up.rcode === 'SERVFAIL') return ['NOERROR', { answers: res.answers }];
    return [up.rcode, { answers: [...res.answers, ...up.answers], authorities: up.authorities }];
  }

  /** Encodes a cluster answer once for the hot path, keyed by the question's lower-cased bytes. */
  private remember(msg: Buffer, q: SimpleQuery, question: Question, res: Resolution, version: number): void {
    const packet: Packet = {
      type: 'response', id: 0, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | RCODES[res.rcode],
      questions: [{ name: question.name.toLowerCase(), type: question.type, class: question.class ?? 'IN' }],
      answers: res.answers, authorities: res.authorities, additionals: res.additionals,
    };
    const plain = dnsPacket.encode(packet);
    const key = this.cacheKey(msg, q.qend);
    // Only cache when the encoded question is byte-identical (modulo case) to the query's, so patching it back is exact.
    if (plain.toString('latin1', 12, q.qend) !== key) return;
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(key, { version, plain, edns: dnsPacket.encode({ ...packet, additionals: [...res.additionals, opt()] }) });
  }

  /** Stops listening and closes open TCP connections. */
  async close(): Promise<void> {
    for (const s of this.udp) s.close();
    this.udp.length = 0;
    for (const c of this.conns) c.destroy();
    await Promise.all(this.tcp.map((t) => new Promise<void>((resolve) => t.close(() => resolve()))));
    this.tcp.length = 0;
    this.cache.clear();
  }
}
