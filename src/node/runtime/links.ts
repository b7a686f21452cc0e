/**
 * Network interface facts read through `ip`, which follows the calling process's network namespace. (`/sys/class/net`
 * does not: an agent started with `nsenter --net=…` still sees the host's /sys, and would decide about the wrong
 * interfaces.)
 */
import { execFileSync } from 'node:child_process';

/** What is known of one link. */
export interface LinkInfo {
  exists: boolean;
  /** The link is a Linux bridge. */
  bridge: boolean;
  /** Number of ports attached to it (bridges). */
  ports: number;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Looks a link up in this process's network namespace. */
export function linkInfo(name: string): LinkInfo {
  let detail: string;
  try {
    detail = ip(['-d', '-o', 'link', 'show', 'dev', name]);
  } catch {
    return { exists: false, bridge: false, ports: 0 };
  }
  const bridge = /\sbridge\s/.test(detail);
  let ports = 0;
  if (bridge) {
    try {
      ports = ip(['-o', 'link', 'show', 'master', name]).split('\n').filter((l) => l.trim() !== '').length;
    } catch {
      ports = 0;
    }
  }
  return { exists: true, bridge, ports };
}
