/**
 * runKubelet: the node agent over a CRI runtime. It registers the Node and keeps its Lease and status, watches
 * the pods bound to this node and runs each through a PodSyncer — one sync at a time per pod UID, many pods in
 * parallel — reacting at once to pod changes from the informer, to runtime changes found by a 1 s relist (the
 * generic PLEG), and to probe results. Housekeeping refreshes configMap/secret/downwardAPI volumes, checks
 * emptyDir size limits and rotates container logs over 10 MiB every 10 s; garbage collection runs every minute.
 *
 * The kubelet's HTTPS server (logs, exec, attach, port-forward, stats) is separate (server/); it finds pods in the
 * runtime through a CriPodRuntimeIndex built on the same endpoint and data dir (runtime-index.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import {
  EventRecorder, objectOf, RateLimitingQueue, runWorkers, SharedInformerFactory, type Client,
} from '../../client/index.js';
import { sleep } from '../../util/async.js';
import { logger } from '../../util/log.js';
import { CriClient } from '../cri/index.js';
import { collectGarbage } from './garbage-collector.js';
import { ImagePuller } from './image-puller.js';
import { rotateContainerLog } from './log-rotation.js';
import { defaultNodeIP, memInfo, nodeResources } from './node-info.js';
import { NodeStatusManager } from './node-status.js';
import { ApiObjectSource } from './object-source.js';
import { PodSyncer } from './pod-syncer.js';
import { ProbeManager } from './prober/probe-manager.js';
import { RuntimeCache } from './runtime-cache.js';
import { VolumeManager } from './volumes/volume-manager.js';

const log = logger('kubelet');

/** Node annotation read by the local-path provisioner: the directory for this node's hostPath volumes. */
export const LOCAL_PATH_DIR_ANNOTATION = 'kubelite.io/local-path-dir';

/** Options of {@link runKubelet}. */
export interface KubeletOptions {
  /** Stops the kubelet (running containers keep running; a restarted kubelet re-adopts them). */
  signal: AbortSignal;
  nodeName: string;
  /** The CRI endpoint (`unix:///…/containerd.sock`) and the cgroup under which pods go (default `/kubepods`). */
  runtime: { endpoint: string; podCgroupRoot?: string };
  /** The node's pod CIDR, published as spec.podCIDR. */
  podCidr?: string;
  /** The kubelet's state directory: pod volumes, logs and hosts files live under `<dataDir>/pods/<uid>`. */
  dataDir: string;
  /** Cluster DNS servers for ClusterFirst pods. Without any, ClusterFirst pods use the host's resolv.conf. */
  clusterDns?: string[];
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** The node's InternalIP; default the first non-loopback IPv4 address. */
  nodeIP?: string;
  /** Published as daemonEndpoints.kubeletEndpoint.Port (default 10250); the server helper listens there. */
  kubeletPort?: number;
  /**
   * Extra annotations on the Node (e.g. the kubelet serving certificate's fingerprint). By default the Node also
   * carries `kubelite.io/local-path-dir: <dataDir>/storage` for the local-path provisioner.
   */
  nodeAnnotations?: Record<string, string>;
  /** Called once the Node is registered and the pod informer has synced. */
  onReady?: () => void;
  /** Concurrent pod syncs (default 16). */
  workers?: number;
}

/** Lowers this process's OOM score so the kernel prefers pods; harmless when not permitted (e.g. in a VM). */
function protectFromOom(): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', '-999');
  } catch {
    log.debug('cannot lower the kubelet oom_score_adj; continuing');
  }
}

/** Runs the kubelet until `opts.signal` aborts; see the module comment. */
export async function runKubelet(client: Client, opts: KubeletOptions): Promise<void> {
  const { signal, nodeName, dataDir } = opts;
  mkdirSync(dataDir, { recursive: true });
  protectFromOom();
  const cri = new CriClient(opts.runtime.endpoint, { timeoutMs: 120_000 });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  const s = stop.signal;
  try {
    await cri.waitForRuntime({ timeoutMs: 60_000, signal: s });
    const nodeIP = opts.nodeIP ?? defaultNodeIP();
    const factory = new SharedInformerFactory(client);
    const podInformer = factory.informerFor<Pod>('', 'v1', 'pods', { fieldSelector: `spec.nodeName=${nodeName}` });
    const serviceInformer = factory.informerFor<Service>('', 'v1', 'services');
    const recorder = new EventRecorder(client, { component: 'kubelet', host: nodeName });
    const queue = new RateLimitingQueue<string>();
    const pods = new Map<string, Pod>();
    let synced = false;
    const enqueue = (uid: string) => {
      if (synced && uid) queue.add(uid);
    };
    const requeue = (uid: string, ms: number) => {
      if (synced && uid) queue.addAfter(uid, ms);
    };
    podInformer.addEventHandler({
      onAdd: (pod) => {
        pods.set(pod.metadata!.uid!, pod);
        enqueue(pod.metadata!.uid!);
      },
      onUpdate: (_old, pod) => {
        pods.set(pod.metadata!.uid!, pod);
        enqueue(pod.metadata!.uid!);
      },
      onDelete: (obj) => {
        const uid = objectOf(obj).metadata?.uid ?? '';
        pods.delete(uid);
        enqueue(uid);
      },
    });
    const cache = new RuntimeCache(cri, enqueue);
    const source = new ApiObjectSource(client, serviceInformer);
    const volumes = new VolumeManager(dataDir, source);
    const images = new ImagePuller(cri, source);
    const probes = new ProbeManager(cri, (pod, c, _type, message) => {
      const isInit = (pod.spec?.initContainers ?? []).some((x) => x.name === c.name);
      recorder.event({
        kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid,
        fieldPath: `spec.${isInit ? 'initContainers' : 'containers'}{${c.name}}`,
      }, 'Warning', 'Unhealthy', message);
    }, enqueue);
    const { allocatable } = nodeResources(dataDir);
    const syncer = new PodSyncer({
      cri, cache, volumes, images, probes, source, client, recorder, nodeName, nodeIP, dataDir,
      cgroupRoot: opts.runtime.podCgroupRoot ?? '/kubepods',
      dns: { clusterDns: opts.clusterDns ?? [], clusterDomain: opts.clusterDomain ?? 'cluster.local' },
      memoryCapacity: memInfo().MemTotal ?? 1,
      nodeAllocatable: { cpu: allocatable.cpu, memory: allocatable.memory, 'ephemeral-storage': allocatable['ephemeral-storage'] },
      requeue,
    });
    const nodeStatus = new NodeStatusManager(client, cri, {
      nodeName, nodeIP, dataDir, kubeletPort: opts.kubeletPort ?? 10250, podCidr: opts.podCidr,
      // Where the built-in local-path provisioner puts this node's PersistentVolumes.
      annotations: { [LOCAL_PATH_DIR_ANNOTATION]: join(dataDir, 'storage'), ...opts.nodeAnnotations },
      plegHealthy: () => Date.now() - cache.lastRelistMs < 180_000,
    });

    await cache.refresh().catch(() => undefined);
    await nodeStatus.register(s);
    factory.start(s);
    if (!(await factory.waitForSync(s))) return;
    synced = true;
    for (const uid of new Set([...pods.keys(), ...cache.podUids()])) queue.add(uid);

    const workers = runWorkers(queue, opts.workers ?? 16, (uid) => syncer.sync(uid, pods.get(uid)), {
      onError: (uid, err) => log.warn('pod sync failed; retrying', { pod: pods.get(uid)?.metadata?.name ?? uid, err }),
    });
    const loops = [
      nodeStatus.run(s),
      // The PLEG: relist every second; changes enqueue their pods.
      (async () => {
        while (await sleep(1000, { signal: s })) await cache.refresh().catch(() => undefined);
      })(),
      // Housekeeping: projected volumes follow their sources; emptyDir size limits are enforced by eviction.
      (async () => {
        while (await sleep(10_000, { signal: s })) {
          for (const pod of pods.values()) {
            if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
            const rp = cache.pod(pod.metadata!.uid!);
            const sb = rp?.sandboxes[0];
            if (!sb) continue;
            for (const c of rp!.containers) {
              if (c.state === 'CONTAINER_RUNNING' && c.logPath) await rotateContainerLog(cri, c.id, c.logPath).catch((err) => log.debug('log rotation failed', { err }));
            }
            const podIP = pod.spec?.hostNetwork ? nodeIP : sb.ip;
            try {
              await volumes.refresh(pod, { podIP, podIPs: [podIP], hostIP: nodeIP, nodeAllocatable: { cpu: allocatable.cpu, memory: allocatable.memory } });
              for (const u of volumes.emptyDirUsage(pod)) {
                if (u.used > u.limit) {
                  syncer.evict(pod, `Usage of EmptyDir volume "${u.name}" exceeds the limit "${u.limitText}". `);
                  enqueue(pod.metadata!.uid!);
                }
              }
            } catch (err) {
              log.debug('housekeeping failed for pod', { pod: pod.metadata?.name, err });
            }
          }
        }
      })(),
      (async () => {
        while (await sleep(60_000, { signal: s })) {
          await collectGarbage({ cri, cache, volumes, known: (uid) => pods.has(uid), enqueue }).catch((err) => log.warn('garbage collection failed', { err }));
        }
      })(),
    ];
    log.info('kubelet running', { node: nodeName, nodeIP, runtime: opts.runtime.endpoint });
    opts.onReady?.();
    await new Promise<void>((resolve) => {
      if (s.aborted) resolve();
      else s.addEventListener('abort', () => resolve(), { once: true });
    });
    queue.shutDown();
    probes.stopAll();
    await Promise.all([workers, ...loops, factory.stopped()]);
    await recorder.flush();
  } finally {
    signal.removeEventListener('abort', onAbort);
    cri.close();
  }
}
