/**
 * PodSyncer: brings one pod's runtime state to what its spec asks, and reports its status — the kubelet's
 * syncPod / syncTerminatingPod / syncTerminatedPod. It is level-based: every call looks at the pod (from the
 * informer) and the runtime (a fresh relist) and takes the next steps, so a kubelet restart simply carries on with
 * the containers it finds (same ids, no restart). Calls for one pod never overlap (the caller serialises by UID).
 *
 *  - running pods: volumes, then the sandbox (recreated if it died), then init containers one at a time (each
 *    must exit 0), then app containers; exited containers restart per restartPolicy with CrashLoopBackOff
 *    (10 s doubling to 5 min); liveness/startup failures and spec changes kill and recreate;
 *  - terminal pods (Succeeded/Failed, or evicted): containers and sandbox stopped, kept until the pod is deleted;
 *  - deleted pods (deletionTimestamp): preStop hooks and StopContainer within the grace period, the sandbox and
 *    volumes removed, then the pod deleted with grace 0 and a uid precondition;
 *  - pods gone from the API: everything of theirs removed.
 */
import { writeFileSync, readFileSync, openSync, readSync, closeSync, fstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, Pod, PodStatus, ObjectReference } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors/status-error.js';
import type { Client, EventRecorder, ResourceClient } from '../../client/index.js';
import { logger } from '../../util/log.js';
import { isNotFound, type CriClient, type PodSandboxConfigInput } from '../cri/index.js';
import { removeCgroup } from '../runtime/index.js';
import { containerConfig } from './container-config.js';
import { ContainerConfigError, containerEnv, type EnvContext } from './container-env.js';
import { podCgroupParent } from './container-resources.js';
import { Backoff, goDuration } from './crash-backoff.js';
import { containerHash } from './cri-labels.js';
import type { ImagePuller } from './image-puller.js';
import { runLifecycleHandler } from './lifecycle-hooks.js';
import type { ObjectSource } from './object-source.js';
import { computePodStatus, sameStatus, statusMergePatch, type WaitingReason } from './pod-status.js';
import type { ProbeManager } from './prober/probe-manager.js';
import type { RuntimeCache, RuntimeContainer, RuntimePod, RuntimeSandbox } from './runtime-cache.js';
import { podHostname, sandboxConfig, type DnsSettings } from './sandbox-config.js';
import { VolumeError, type VolumeManager } from './volumes/volume-manager.js';

const log = logger('kubelet');

/** The kubelet's floor on a grace period, in seconds. */
const MIN_GRACE_S = 2;

/** What a PodSyncer works with. */
export interface PodSyncerDeps {
  cri: CriClient;
  cache: RuntimeCache;
  volumes: VolumeManager;
  images: ImagePuller;
  probes: ProbeManager;
  source: ObjectSource;
  client: Client;
  recorder: EventRecorder;
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  cgroupRoot: string;
  dns: DnsSettings;
  memoryCapacity: number;
  nodeAllocatable: EnvContext['nodeAllocatable'];
  /** Asks for another sync of the pod after `ms`. */
  requeue(uid: string, ms: number): void;
}

function isCode(err: unknown, ...codes: number[]): boolean {
  return err instanceof StatusError && codes.includes(err.code);
}

function errText(err: unknown): string {
  return (err as { details?: string }).details || (err as Error).message || String(err);
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Reads at most `max` bytes from the end of a file. */
function tail(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Syncs pods; see the module comment. */
export class PodSyncer {
  private readonly backoff = new Backoff();
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();
  /** Pods the kubelet failed itself (eviction): uid → reason/message. */
  private readonly failures = new Map<string, { reason: string; message: string }>();
  /** The status this kubelet last wrote per pod, with the resourceVersion the write produced. */
  private readonly written = new Map<string, { rv: string; status: PodStatus }>();
  private readonly pods: ResourceClient<Pod>;
  /** When a pod's last sandbox creation failed (for its back-off). */
  private readonly sandboxFailedAt = new Map<string, number>();

  constructor(private readonly d: PodSyncerDeps) {
    this.pods = d.client.resource<Pod>('', 'v1', 'pods');
  }

  /** Marks a pod as evicted (Failed with reason Evicted) and reports the event. */
  evict(pod: Pod, message: string): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.failures.has(uid)) return;
    this.failures.set(uid, { reason: 'Evicted', message });
    this.d.recorder.event(pod, 'Warning', 'Evicted', message);
  }

  /**
   * activeDeadlineSeconds: a pod active on the node longer than that fails with DeadlineExceeded, as the kubelet's
   * active-deadline handler; otherwise a sync is scheduled for the moment it would expire.
   */
  private checkActiveDeadline(pod: Pod): void {
    const deadline = pod.spec?.activeDeadlineSeconds;
    const uid = pod.metadata?.uid ?? '';
    if (deadline === undefined || this.failures.has(uid) || TERMINAL.has(pod.status?.phase ?? '')) return;
    const start = Date.parse(pod.status?.startTime ?? '');
    if (!Number.isFinite(start)) return;
    const left = start + deadline * 1000 - Date.now();
    if (left > 0) {
      this.d.requeue(uid, left + 50);
      return;
    }
    const message = 'Pod was active on the node longer than the specified deadline';
    this.failures.set(uid, { reason: 'DeadlineExceeded', message });
    this.d.recorder.event(pod, 'Warning', 'DeadlineExceeded', message);
  }

  /** The pod with the newest status known: the informer's, or the one our own last write returned. */
  private withLatestStatus(pod: Pod): Pod {
    const w = this.written.get(pod.metadata?.uid ?? '');
    if (!w) return pod;
    const rv = pod.metadata?.resourceVersion ?? '';
    try {
      if (BigInt(rv) >= BigInt(w.rv)) return pod;
    } catch {
      return pod;
    }
    return { ...pod, status: w.status };
  }

  /** One sync of the pod with this UID; `pod` is its API object, or undefined when it no longer exists. */
  async sync(uid: string, pod: Pod | undefined): Promise<void> {
    await this.d.cache.refresh();
    const rt = this.d.cache.pod(uid);
    if (!pod) {
      if (rt || this.written.has(uid)) await this.removePod(uid, rt, MIN_GRACE_S);
      this.forget(uid);
      return;
    }
    pod = this.withLatestStatus(pod);
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(pod, rt);
      return;
    }
    this.checkActiveDeadline(pod);
    if (TERMINAL.has(pod.status?.phase ?? '') || this.failures.has(uid)) {
      await this.stopPod(pod, rt);
      await this.writeStatus(pod);
      return;
    }
    if (await this.syncRunning(pod, rt)) await this.d.cache.refresh();
    const status = await this.writeStatus(pod);
    if (status && TERMINAL.has(status.phase ?? '')) {
      // Finished (restartPolicy Never/OnFailure): stop what is left; the sandbox stays until deletion.
      await this.stopPod(pod, this.d.cache.pod(uid));
    }
  }

  private forget(uid: string): void {
    this.waiting.delete(uid);
    this.failures.delete(uid);
    this.written.delete(uid);
    this.sandboxFailedAt.delete(uid);
    this.backoff.forgetPrefix(`${uid}/`);
    this.d.images.forgetPod(uid);
    this.d.probes.removePod(uid);
  }

  private ref(pod: Pod, c: Container, init: boolean): ObjectReference {
    return {
      kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid,
      fieldPath: init ? `spec.initContainers{${c.name}}` : `spec.containers{${c.name}}`,
    };
  }

  private envContext(pod: Pod, sandbox: RuntimeSandbox | undefined): EnvContext {
    const podIP = pod.spec?.hostNetwork ? this.d.nodeIP : sandbox?.ip ?? '';
    return { podIP, podIPs: podIP ? [podIP] : [], hostIP: this.d.nodeIP, nodeAllocatable: this.d.nodeAllocatable };
  }

  private podDir(uid: string): string {
    return this.d.volumes.podDir(uid);
  }

  private sandboxConfigFor(pod: Pod, attempt: number): PodSandboxConfigInput {
    const uid = pod.metadata?.uid ?? '';
    return sandboxConfig(pod, {
      attempt, logDirectory: join(this.podDir(uid), 'logs'), cgroupParent: podCgroupParent(this.d.cgroupRoot, pod), dns: this.d.dns,
    });
  }

  /** The kubelet-managed /etc/hosts of a pod. */
  private writeEtcHosts(pod: Pod, ip: string): string {
    const uid = pod.metadata?.uid ?? '';
    const file = join(this.podDir(uid), 'etc-hosts');
    const host = podHostname(pod);
    const sub = pod.spec?.subdomain;
    const fqdn = sub ? `${host}.${sub}.${pod.metadata?.namespace}.svc.${this.d.dns.clusterDomain}` : '';
    const lines = [
      '# Kubernetes-managed hosts file.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet', 'fe00::0\tip6-mcastprefix', 'fe00::1\tip6-allnodes', 'fe00::2\tip6-allrouters',
    ];
    if (ip) lines.push(fqdn ? `${ip}\t${fqdn}\t${host}` : `${ip}\t${host}`);
    const aliases = pod.spec?.hostAliases ?? [];
    if (aliases.length) {
      lines.push('', '# Entries added by HostAliases.');
      for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
    }
    mkdirSync(this.podDir(uid), { recursive: true });
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  /** Takes the next steps for a running pod; true when it changed anything in the runtime. */
  private async syncRunning(pod: Pod, rt: RuntimePod | undefined): Promise<boolean> {
    const uid = pod.metadata!.uid!;
    const waiting = new Map<string, WaitingReason>();
    let acted = false;
    this.waiting.set(uid, waiting);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    let sandbox = rt?.sandboxes[0];
    const ready = sandbox?.state === 'SANDBOX_READY';
    if (!ready) {
      if (sandbox) {
        await this.killContainers(pod, (rt?.containers ?? []).filter((c) => c.state === 'CONTAINER_RUNNING'), MIN_GRACE_S);
        await this.d.cri.stopPodSandbox(sandbox.id).catch((err) => { if (!isNotFound(err)) throw err; });
        acted = true;
        if (policy === 'Never' && rt?.containers.some((c) => !c.isInit)) return acted;
      }
    }
    try {
      await this.d.volumes.setUp(pod, this.envContext(pod, ready ? sandbox : undefined));
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.d.recorder.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`);
      this.d.requeue(uid, 2000);
      return acted;
    }
    if (!ready) {
      const attempt = sandbox ? sandbox.attempt + 1 : 0;
      const key = `${uid}/.sandbox`;
      const wait = this.backoff.remaining(key, this.sandboxFailedAt.get(uid) ?? 0);
      if (wait > 0) {
        this.d.requeue(uid, wait);
        return acted;
      }
      const cfg = this.sandboxConfigFor(pod, attempt);
      mkdirSync(join(this.podDir(uid), 'logs'), { recursive: true });
      let id: string;
      try {
        id = await this.d.cri.runPodSandbox(cfg);
      } catch (err) {
        this.d.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errText(err)}`);
        this.backoff.next(key);
        this.sandboxFailedAt.set(uid, Date.now());
        this.d.requeue(uid, this.backoff.delay(key) + 50);
        return acted;
      }
      let ip = '';
      try {
        ip = (await this.d.cri.podSandboxStatus(id)).status?.network?.ip ?? '';
      } catch (err) {
        log.warn('cannot read sandbox status', { pod: uid, err });
      }
      acted = true;
      sandbox = {
        id, podUid: uid, namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', attempt, state: 'SANDBOX_READY',
        createdAt: Date.now(), ip, cgroupParent: podCgroupParent(this.d.cgroupRoot, pod),
      };
      if (!pod.spec?.hostNetwork) this.writeEtcHosts(pod, ip);
      if (attempt > 0) this.d.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    const sb = sandbox!;
    const sbCfg = this.sandboxConfigFor(pod, sb.attempt);
    const containers = rt?.containers ?? [];
    const inSandbox = (name: string, init: boolean) => containers.filter((c) => c.name === name && c.isInit === init && c.sandboxId === sb.id);
    const anyInstance = (name: string, init: boolean) => containers.filter((c) => c.name === name && c.isInit === init);

    // Init containers, one at a time, in order.
    for (const c of pod.spec?.initContainers ?? []) {
      const inst = inSandbox(c.name, true)[0];
      const last = inst ?? anyInstance(c.name, true)[0];
      if (inst?.state === 'CONTAINER_RUNNING') return acted;
      if (inst?.state === 'CONTAINER_EXITED' && inst.exitCode === 0) continue;
      if (inst?.state === 'CONTAINER_EXITED') {
        if (policy === 'Never') return acted;
        if (!this.mayRestart(pod, c, inst, true, waiting)) return acted;
      }
      if (inst?.state === 'CONTAINER_CREATED' || inst?.state === 'CONTAINER_UNKNOWN') await this.d.cri.removeContainer(inst.id).catch(() => undefined);
      const restartCount = last ? last.restartCount + (inst?.state === 'CONTAINER_EXITED' ? 1 : 0) : 0;
      acted = true;
      await this.startContainer(pod, c, sb, sbCfg, { isInit: true, attempt: last ? last.attempt + 1 : 0, restartCount }, waiting);
      return acted;
    }

    // App containers.
    const targets = [];
    for (const c of pod.spec?.containers ?? []) {
      const all = anyInstance(c.name, false);
      let inst = all.find((x) => x.sandboxId === sb.id);
      if (inst?.state === 'CONTAINER_RUNNING') {
        const failed = this.d.probes.failed(inst.id);
        const changed = inst.hash && inst.hash !== containerHash(c);
        if (!failed && !changed) {
          const reported = pod.status?.containerStatuses?.find((x) => x.name === c.name);
          const wasReady = reported?.containerID === `containerd://${inst.id}` && reported.ready === true;
          targets.push({ container: c, containerId: inst.id, startedAt: inst.startedAt || inst.createdAt, podIP: sb.ip, wasReady });
          continue;
        }
        const msg = changed ? `Container ${c.name} definition changed, will be restarted` : `Container ${c.name} failed ${failed} probe, will be restarted`;
        acted = true;
        await this.killContainer(pod, c, inst, this.grace(pod), msg);
        await this.d.cache.refresh();
        inst = this.d.cache.pod(uid)?.containers.find((x) => x.id === inst!.id) ?? inst;
        if (changed) {
          await this.startContainer(pod, c, sb, sbCfg, { isInit: false, attempt: inst.attempt + 1, restartCount: inst.restartCount + 1 }, waiting);
          continue;
        }
      }
      if (inst?.state === 'CONTAINER_CREATED' || inst?.state === 'CONTAINER_UNKNOWN') {
        await this.d.cri.removeContainer(inst.id).catch(() => undefined);
        inst = undefined;
      }
      const last = inst ?? all[0];
      if (!last) {
        acted = true;
        await this.startContainer(pod, c, sb, sbCfg, { isInit: false, attempt: 0, restartCount: 0 }, waiting);
        continue;
      }
      if (last.state === 'CONTAINER_RUNNING') continue; // a running instance in an old sandbox: being killed
      const restart = policy === 'Always' || (policy === 'OnFailure' && last.exitCode !== 0);
      if (!restart) continue;
      if (!this.mayRestart(pod, c, last, false, waiting)) continue;
      acted = true;
      await this.startContainer(pod, c, sb, sbCfg, { isInit: false, attempt: last.attempt + 1, restartCount: last.restartCount + 1 }, waiting);
    }
    this.d.probes.sync(pod, targets);
    return acted;
  }

  /** Whether an exited container may restart now; otherwise records CrashLoopBackOff and requeues. */
  private mayRestart(pod: Pod, c: Container, last: RuntimeContainer, init: boolean, waiting: Map<string, WaitingReason>): boolean {
    const uid = pod.metadata!.uid!;
    const key = `${uid}/${init ? 'init:' : ''}${c.name}`;
    const wait = this.backoff.remaining(key, last.finishedAt || last.startedAt || last.createdAt);
    if (wait > 0) {
      const delay = goDuration(this.backoff.delay(key));
      const podDesc = `${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
      waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${c.name} pod=${podDesc}` });
      this.d.recorder.event(this.ref(pod, c, init), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podDesc}`);
      this.d.requeue(uid, wait + 50);
      return false;
    }
    this.backoff.next(key);
    return true;
  }

  private grace(pod: Pod): number {
    return Math.max(MIN_GRACE_S, pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
  }

  /** Pulls, creates and starts one container, with its events; records a waiting reason on failure. */
  private async startContainer(
    pod: Pod, c: Container, sb: RuntimeSandbox, sbCfg: PodSandboxConfigInput,
    o: { isInit: boolean; attempt: number; restartCount: number }, waiting: Map<string, WaitingReason>,
  ): Promise<boolean> {
    const uid = pod.metadata!.uid!;
    const ref = this.ref(pod, c, o.isInit);
    const event = (type: 'Normal' | 'Warning', reason: string, message: string) => this.d.recorder.event(ref, type, reason, message);
    const img = await this.d.images.ensure(pod, c, event);
    if (!img.ok) {
      waiting.set(c.name, { reason: img.reason, message: img.message });
      if (img.retryAfterMs !== undefined || img.reason === 'ErrImageNeverPull') this.d.requeue(uid, (img.retryAfterMs ?? 10_000) + 50);
      return false;
    }
    let id: string;
    try {
      const ctx = this.envContext(pod, sb);
      const env = await containerEnv(pod, c, this.d.source, ctx);
      await this.checkNonRoot(pod, c);
      const volumes = await this.d.volumes.setUp(pod, ctx);
      const cfg = containerConfig(pod, c, {
        attempt: o.attempt, restartCount: o.restartCount, isInit: o.isInit, env, volumes, podDir: this.podDir(uid),
        etcHosts: pod.spec?.hostNetwork ? undefined : join(this.podDir(uid), 'etc-hosts'), memoryCapacity: this.d.memoryCapacity,
      });
      id = await this.d.cri.createContainer(sb.id, cfg, sbCfg);
    } catch (err) {
      const config = err instanceof ContainerConfigError || err instanceof VolumeError;
      const message = errText(err);
      waiting.set(c.name, { reason: config ? 'CreateContainerConfigError' : 'CreateContainerError', message });
      event('Warning', 'Failed', `Error: ${message}`);
      this.d.requeue(uid, 5000);
      return false;
    }
    event('Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.d.cri.startContainer(id);
    } catch (err) {
      waiting.set(c.name, { reason: 'RunContainerError', message: errText(err) });
      event('Warning', 'Failed', `Error: ${errText(err)}`);
      this.d.requeue(uid, 5000);
      return false;
    }
    event('Normal', 'Started', `Started container ${c.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const res = await runLifecycleHandler(this.d.cri, postStart, c, id, sb.ip, this.grace(pod));
      if (!res.ok) {
        event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${res.message.trim()}`.trim());
        await this.d.cri.stopContainer(id, MIN_GRACE_S).catch(() => undefined);
      }
    }
    return true;
  }

  /** runAsNonRoot: refuse a container that would run as uid 0, as the kubelet's verifyRunAsNonRoot. */
  private async checkNonRoot(pod: Pod, c: Container): Promise<void> {
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot;
    if (!nonRoot) return;
    const desc = `pod: "${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})", container: ${c.name}`;
    const uid = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
    if (uid === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy (${desc})`);
    if (uid !== undefined) return;
    const image = (await this.d.cri.imageStatus(c.image ?? '')).image;
    const imageUid = image?.uid ? Number(image.uid.value) : undefined;
    if (imageUid === 0 || (imageUid === undefined && !image?.username)) {
      throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (${desc})`);
    }
    if (imageUid === undefined) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${image?.username}), cannot verify user is non-root (${desc})`);
  }

  /** Stops one container: preStop hook, then StopContainer with what is left of the grace period. */
  private async killContainer(pod: Pod, c: Container | undefined, rc: RuntimeContainer, graceS: number, message?: string): Promise<void> {
    const started = Date.now();
    if (c) this.d.recorder.event(this.ref(pod, c, rc.isInit), 'Normal', 'Killing', message ?? `Stopping container ${c.name}`);
    const preStop = c?.lifecycle?.preStop;
    if (preStop && rc.state === 'CONTAINER_RUNNING' && !rc.isInit) {
      const ip = this.d.cache.pod(rc.podUid)?.sandboxes.find((s) => s.id === rc.sandboxId)?.ip ?? '';
      const res = await runLifecycleHandler(this.d.cri, preStop, c!, rc.id, ip, graceS);
      if (!res.ok) this.d.recorder.event(this.ref(pod, c!, false), 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${res.message.trim()}`.trim());
    }
    const left = Math.max(MIN_GRACE_S, Math.ceil(graceS - (Date.now() - started) / 1000));
    this.d.probes.stopContainer(rc.id);
    try {
      await this.d.cri.stopContainer(rc.id, left);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async killContainers(pod: Pod | undefined, list: RuntimeContainer[], graceS: number): Promise<void> {
    const specs = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])];
    await Promise.all(list.map((rc) => (pod
      ? this.killContainer(pod, specs.find((s) => s.name === rc.name), rc, graceS)
      : this.d.cri.stopContainer(rc.id, graceS).catch((err) => { if (!isNotFound(err)) throw err; }))));
  }

  /** Stops a finished pod's containers and its sandbox (freeing its IP), keeping them for logs until deletion. */
  private async stopPod(pod: Pod, rt: RuntimePod | undefined): Promise<void> {
    if (!rt) return;
    const running = rt.containers.filter((c) => c.state === 'CONTAINER_RUNNING');
    if (running.length) await this.killContainers(pod, running, this.grace(pod));
    for (const s of rt.sandboxes) {
      if (s.state === 'SANDBOX_READY') await this.d.cri.stopPodSandbox(s.id).catch((err) => { if (!isNotFound(err)) throw err; });
    }
    this.d.probes.removePod(pod.metadata?.uid ?? '');
    if (running.length || rt.sandboxes.some((s) => s.state === 'SANDBOX_READY')) await this.d.cache.refresh();
  }

  /** Removes every runtime object, cgroup and volume of a pod. */
  private async removePod(uid: string, rt: RuntimePod | undefined, graceS: number, pod?: Pod): Promise<void> {
    if (rt) {
      await this.killContainers(pod, rt.containers.filter((c) => c.state === 'CONTAINER_RUNNING'), graceS);
      for (const s of rt.sandboxes) {
        try {
          await this.d.cri.stopPodSandbox(s.id);
          await this.d.cri.removePodSandbox(s.id);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        if (s.cgroupParent && s.cgroupParent !== '/') {
          try {
            removeCgroup(s.cgroupParent);
          } catch {
            // not ours to remove
          }
        }
      }
    }
    this.d.probes.removePod(uid);
    this.d.volumes.tearDown(uid);
    await this.d.cache.refresh();
  }

  /** Graceful deletion: stop everything within the grace period, clean up, then delete the pod object. */
  private async terminate(pod: Pod, rt: RuntimePod | undefined): Promise<void> {
    const uid = pod.metadata!.uid!;
    const grace = this.grace(pod);
    const running = (rt?.containers ?? []).filter((c) => c.state === 'CONTAINER_RUNNING');
    const t0 = Date.now();
    await this.killContainers(pod, running, grace);
    const t1 = Date.now();
    if (running.length) {
      await this.d.cache.refresh();
      await this.writeStatus(pod).catch(() => undefined);
    }
    await this.removePod(uid, this.d.cache.pod(uid), MIN_GRACE_S, pod);
    const { namespace, name } = { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' };
    try {
      await this.pods.namespace(namespace).delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isCode(err, 404, 409)) throw err;
    }
    this.forget(uid);
    log.debug('pod terminated', { pod: `${namespace}/${name}`, killMs: t1 - t0, totalMs: Date.now() - t0 });
  }

  /** The termination message of an exited container (its file, or the log tail with FallbackToLogsOnError). */
  private terminationMessage(rc: RuntimeContainer, c: Container): string {
    let msg = '';
    if (rc.terminationMessageFile) {
      try {
        msg = readFileSync(rc.terminationMessageFile, 'utf8').slice(0, 4096);
      } catch {
        // removed with the pod
      }
    }
    if (!msg && c.terminationMessagePolicy === 'FallbackToLogsOnError' && rc.exitCode !== 0 && rc.logPath) {
      const lines = tail(rc.logPath, 2048).split('\n').filter(Boolean).slice(-80);
      msg = lines.map((l) => l.split(' ').slice(3).join(' ')).join('\n');
    }
    return msg;
  }

  /** Computes the pod's status and writes it when it changed; returns it. */
  async writeStatus(pod: Pod): Promise<PodStatus | undefined> {
    const uid = pod.metadata!.uid!;
    const rt = this.d.cache.pod(uid);
    const status = computePodStatus(pod, {
      runtime: rt,
      sandbox: rt?.sandboxes[0],
      waiting: this.waiting.get(uid) ?? new Map(),
      ready: (id, c) => this.d.probes.ready(id, c),
      started: (id, c) => this.d.probes.started(id, c),
      terminationMessage: (rc, c) => this.terminationMessage(rc, c),
      nodeIP: this.d.nodeIP,
      now: Date.now(),
      failure: this.failures.get(uid),
    });
    if (sameStatus(pod.status, status)) return status;
    try {
      const patch = statusMergePatch(uid, pod.status, status);
      const res = await this.pods.namespace(pod.metadata?.namespace ?? 'default')
        .patch(pod.metadata!.name!, Buffer.from(JSON.stringify(patch)), 'merge', { subresource: 'status' });
      this.written.set(uid, { rv: res.metadata?.resourceVersion ?? '0', status: res.status ?? status });
    } catch (err) {
      if (!isCode(err, 404, 409, 422)) throw err;
    }
    return status;
  }
}
