/**
 * Container log rotation, as the kubelet's container log manager: a CRI log file over `maxBytes` (default 10 MiB,
 * containerLogMaxSize) is renamed to `<file>.<UTC timestamp>` and the runtime is asked to reopen it
 * (ReopenContainerLog); at most `maxFiles` files (default 5, containerLogMaxFiles) are kept per container instance,
 * the current one included, the oldest rotated ones being deleted. Readers of the current file (`kubectl logs`)
 * always find it at the same path.
 */
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isNotFound, type CriClient } from '../cri/index.js';

/** Options of {@link rotateContainerLog}. */
export interface LogRotationOptions {
  maxBytes?: number;
  maxFiles?: number;
}

/** `20240101-000000`: the suffix of a rotated file. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Rotates one running container's log when it is too big; returns true when it did. */
export async function rotateContainerLog(cri: CriClient, containerId: string, logPath: string, opts: LogRotationOptions = {}): Promise<boolean> {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const maxFiles = Math.max(2, opts.maxFiles ?? 5);
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  const dir = dirname(logPath);
  const base = basename(logPath);
  let rotated = `${logPath}.${stamp(Date.now())}`;
  for (let i = 1; existsQuiet(rotated); i++) rotated = `${logPath}.${stamp(Date.now())}.${i}`;
  renameSync(logPath, rotated);
  try {
    await cri.reopenContainerLog(containerId);
  } catch (err) {
    // The container is gone: put the file back so its last lines stay readable.
    if (isNotFound(err)) renameSync(rotated, logPath);
    else throw err;
    return false;
  }
  const old = readdirSync(dir).filter((f) => f.startsWith(`${base}.`)).sort();
  for (const f of old.slice(0, Math.max(0, old.length - (maxFiles - 1)))) rmSync(join(dir, f), { force: true });
  return true;
}

function existsQuiet(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
