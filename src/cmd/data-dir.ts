/**
 * The data directory: its default location, and an exclusive lock so that two kubelite processes never share one
 * (a second server on the same SQLite file, or a second `up`, fails with a clear message instead of corrupting it).
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `/var/lib/kubelite` for root, `~/.kubelite` otherwise, as the issue specifies. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/kubelite' : join(homedir(), '.kubelite');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock (a pid file created exclusively). A lock left by a dead process is taken over.
 * Returns a release function.
 */
export function lockDataDir(dir: string, what: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'kubelite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new Error(`Cannot start ${what}: the data directory ${dir} is in use by kubelite process ${pid}. Stop it first, or pass another --data-dir.`);
      }
      unlinkSync(path);
    }
  }
  throw new Error(`Cannot lock the data directory ${dir}`);
}
