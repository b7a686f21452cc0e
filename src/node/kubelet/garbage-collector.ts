/**
 * Garbage collection of what pods leave in the runtime and on disk, as the kubelet's container GC and its
 * orphaned-pod cleanup:
 *  - pods the runtime has but the API no longer does (and no worker is handling) are handed back to the pod
 *    workers for removal once they are older than a grace of 30 s;
 *  - exited containers beyond the newest two instances per container name (the current one and the one
 *    `kubectl logs --previous` reads) are removed, as are stopped sandboxes other than the newest;
 *  - pod directories (volumes, logs) of pods that exist neither in the API nor in the runtime are removed.
 */
import { isNotFound, type CriClient } from '../cri/index.js';
import { logger } from '../../util/log.js';
import type { RuntimeCache } from './runtime-cache.js';
import type { VolumeManager } from './volumes/volume-manager.js';

const log = logger('kubelet');
const ORPHAN_GRACE_MS = 30_000;
const KEEP_DEAD_PER_CONTAINER = 2;

/** What the collector needs. */
export interface GarbageCollectorDeps {
  cri: CriClient;
  cache: RuntimeCache;
  volumes: VolumeManager;
  /** True for UIDs of pods the API has (bound to this node). */
  known(uid: string): boolean;
  /** Hands an orphan to the pod workers. */
  enqueue(uid: string): void;
}

/** One collection pass; returns how many objects were removed. */
export async function collectGarbage(d: GarbageCollectorDeps): Promise<number> {
  let removed = 0;
  await d.cache.refresh();
  const now = Date.now();
  for (const p of d.cache.allPods()) {
    if (!d.known(p.uid)) {
      const newest = Math.max(0, ...p.sandboxes.map((s) => s.createdAt), ...p.containers.map((c) => c.createdAt));
      if (now - newest > ORPHAN_GRACE_MS) d.enqueue(p.uid);
      continue;
    }
    const byName = new Map<string, number>();
    for (const c of p.containers) {
      const key = `${c.isInit ? 'i' : 'a'}/${c.name}`;
      const n = (byName.get(key) ?? 0) + 1;
      byName.set(key, n);
      if (n > KEEP_DEAD_PER_CONTAINER && c.state === 'CONTAINER_EXITED') {
        try {
          await d.cri.removeContainer(c.id);
          removed++;
        } catch (err) {
          if (!isNotFound(err)) log.warn('cannot remove dead container', { id: c.id, err });
        }
      }
    }
    for (const s of p.sandboxes.slice(1)) {
      if (s.state === 'SANDBOX_READY' || p.containers.some((c) => c.sandboxId === s.id)) continue;
      try {
        await d.cri.removePodSandbox(s.id);
        removed++;
      } catch (err) {
        if (!isNotFound(err)) log.warn('cannot remove old sandbox', { id: s.id, err });
      }
    }
  }
  const inRuntime = new Set(d.cache.podUids());
  for (const uid of d.volumes.podDirs()) {
    if (d.known(uid) || inRuntime.has(uid)) continue;
    d.volumes.tearDown(uid);
    removed++;
  }
  return removed;
}
