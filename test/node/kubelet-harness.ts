/**
 * Test support for the kubelet tests: a real `kubelite server` (scheduler and controllers in-process), a private
 * containerd with the test images, and runKubelet in this process registered as a node — plus helpers to create
 * pods, wait on their status and read events. `stop()` aborts the kubelet, removes every pod from containerd
 * (sandboxes, cgroups, bridge), stops the server and deletes the temp dirs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { parse } from 'yaml';
import { Client, loadKubeconfig } from '../../src/client/index.js';
import { runKubelet, type KubeletOptions } from '../../src/node/kubelet/index.js';
import { unmountAll } from '../../src/node/kubelet/volumes/mounts.js';
import type { TestImageName } from '../support/images.js';
import { containerdSkipReason, startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';

/** Why the kubelet tests cannot run here, or undefined. */
export function kubeletSkipReason(images: TestImageName[] = ['busybox']): string | undefined {
  return containerdSkipReason(images);
}

/** A running test cluster of one real node. */
export interface KubeletHarness {
  server: KubeliteProcess;
  ctrd: TestContainerd;
  client: Client;
  nodeName: string;
  dataDir: string;
  /** Starts (again) the kubelet in this process; resolves when it is ready. */
  startKubelet(extra?: Partial<KubeletOptions>): Promise<void>;
  /** Stops the kubelet only (containers keep running). */
  stopKubelet(): Promise<void>;
  /** Creates a pod from YAML or an object in `default`. */
  createPod(pod: string | Pod): Promise<Pod>;
  getPod(name: string): Promise<Pod>;
  /** Polls the pod until `pred` holds; returns it. */
  waitPod(name: string, what: string, pred: (p: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  /** Events about a pod. */
  events(name: string): Promise<Event[]>;
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

let counter = 0;

/** Starts server, containerd and kubelet. */
export async function startKubeletHarness(opts: { images?: TestImageName[]; kubelet?: Partial<KubeletOptions> } = {}): Promise<KubeletHarness> {
  const ctrd = await startTestContainerd({ images: opts.images ?? ['busybox'] });
  let server: KubeliteProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelite-kubelet-'));
  try {
    server = await startKubelite();
  } catch (err) {
    await ctrd.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const srv = server;
  const client = new Client(loadKubeconfig(srv.kubeconfig));
  const nodeName = `kl-node-${process.pid}-${++counter}`;
  let ac: AbortController | undefined;
  let running: Promise<void> | undefined;
  const h: KubeletHarness = {
    server: srv, ctrd, client, nodeName, dataDir,
    async startKubelet(extra = {}) {
      ac = new AbortController();
      let ready!: () => void;
      const readyP = new Promise<void>((r) => { ready = r; });
      running = runKubelet(client, {
        signal: ac.signal, nodeName, dataDir, podCidr: ctrd.podCidr,
        runtime: { endpoint: ctrd.runtime.endpoint, podCgroupRoot: ctrd.cgroupRoot },
        onReady: ready, ...opts.kubelet, ...extra,
      });
      await Promise.race([readyP, running.then(() => { throw new Error('kubelet exited before ready'); })]);
    },
    async stopKubelet() {
      ac?.abort();
      await running;
      running = undefined;
    },
    async createPod(pod) {
      const obj = typeof pod === 'string' ? parse(pod) as Pod : pod;
      return client.resource<Pod>('', 'v1', 'pods').namespace(obj.metadata?.namespace ?? 'default').create(obj);
    },
    getPod(name) {
      return client.resource<Pod>('', 'v1', 'pods').namespace('default').get(name);
    },
    async waitPod(name, what, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Pod | undefined;
      for (;;) {
        try {
          last = await h.getPod(name);
          if (pred(last)) return last;
        } catch {
          // not yet
        }
        if (Date.now() > deadline) throw new Error(`pod ${name}: timed out waiting for ${what}; last status: ${JSON.stringify(last?.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async events(name) {
      const list = await client.resource<Event>('', 'v1', 'events').namespace('default').list({ fieldSelector: `involvedObject.name=${name}` });
      return list.items;
    },
    kubectl(args, input) {
      return srv.kubectl(args, { input });
    },
    async stop() {
      await h.stopKubelet().catch(() => undefined);
      await ctrd.stop().catch(() => undefined);
      await srv.stop().catch(() => undefined);
      client.close();
      unmountAll(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await h.startKubelet();
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}

/** The status of container `name` of a pod. */
export function containerStatus(p: Pod, name: string) {
  return [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].find((c) => c.name === name);
}

/** True when the pod is Running with all containers ready. */
export function runningReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
