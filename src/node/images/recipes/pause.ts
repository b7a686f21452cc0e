/**
 * The pause image every sandbox starts from. With gcc, a tiny static C program that sleeps until SIGTERM/SIGINT
 * and reaps orphaned children, like Kubernetes' pause; without gcc, busybox running a trap-and-wait shell loop.
 * Nothing is pulled: the node builds it and imports it before the first sandbox.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOciArchive, type OciArchive } from '../oci-image.js';
import { RootfsBuilder } from '../rootfs-builder.js';
import { addBusybox, DEFAULT_PATH } from './busybox.js';

/** The name kubelite gives its pause image (set as containerd's sandbox_image). */
export const PAUSE_IMAGE = 'localhost/kubelite/pause:3.9';

/** Which pause program an image holds. */
export type PauseVariant = 'c' | 'busybox';

const pauseSource = `#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, 0, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = quit;
  sigaction(SIGINT, &sa, 0);
  sigaction(SIGTERM, &sa, 0);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, 0);
  for (;;) pause();
}
`;

/** Compiles the C pause program with `gcc -static`; undefined when gcc or a static libc is missing. */
function compilePause(): Buffer | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-pause-'));
  try {
    writeFileSync(join(dir, 'pause.c'), pauseSource);
    execFileSync('gcc', ['-Os', '-static', '-s', '-o', join(dir, 'pause'), join(dir, 'pause.c')], { stdio: 'ignore', timeout: 60_000 });
    return readFileSync(join(dir, 'pause'));
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the pause image: the C variant when gcc works (or `variant: 'c'` is forced), else busybox. */
export function buildPauseImage(opts: { name?: string; variant?: PauseVariant } = {}): OciArchive & { variant: PauseVariant } {
  const names = [opts.name ?? PAUSE_IMAGE];
  const binary = opts.variant === 'busybox' ? undefined : compilePause();
  if (binary) {
    const fs = new RootfsBuilder().file('/pause', binary, 0o755);
    return { ...buildOciArchive({ names, layers: [fs.entries()], config: { Entrypoint: ['/pause'], Env: [DEFAULT_PATH] } }), variant: 'c' };
  }
  if (opts.variant === 'c') throw new Error('Cannot build the C pause image: gcc -static failed (apt-get install -y gcc libc6-dev)');
  const fs = addBusybox(new RootfsBuilder());
  return {
    ...buildOciArchive({
      names,
      layers: [fs.entries()],
      config: {
        Entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 2147483647 & wait $!; done'],
        Env: [DEFAULT_PATH],
      },
    }),
    variant: 'busybox',
  };
}
