/**
 * The controller manager: one SharedInformerFactory and one set of event recorders for every controller in
 * registry.ts, as kube-controller-manager. It builds the enabled controllers (each registers its informers and
 * handlers), starts the informers, waits for their first sync — so no controller acts on a half-filled cache — then
 * runs them all until the signal aborts. Leader election is the caller's job: call this once elected, abort on loss.
 */
import { setMaxListeners } from 'node:events';
import { EventRecorder, SharedInformerFactory, type Client } from '../../client/index.js';
import { realClock, type Clock } from '../../util/clock.js';
import { logger } from '../../util/log.js';
import type { Controller, ControllerContext } from './common/controller.js';
import { CONTROLLERS } from './registry.js';
import type { ControllerSettings } from './common/controller-settings.js';

const log = logger('controller-manager');

/** Options of {@link runControllerManager}. */
export interface ControllerManagerOptions {
  /** Stops every controller and informer. */
  signal: AbortSignal;
  clock?: Clock;
  /** Concurrent syncs per controller (default 5, kube-controller-manager's --concurrent-*-syncs). */
  workers?: number;
  /**
   * Which controllers to run, in `--controllers` syntax: names, `*` for all, `-name` to leave one out
   * (e.g. `['*', '-cronjob']`). Default: all.
   */
  enabled?: string[];
  /** Settings of individual controllers (cluster CIDR, node monitor grace period, …); defaults otherwise. */
  settings?: Partial<ControllerSettings>;
}

/** Resolves the `--controllers` list against the known names; throws for an unknown name. */
export function enabledControllers(spec: string[] | undefined, known: readonly string[]): string[] {
  if (!spec || spec.length === 0) return [...known];
  for (const s of spec) {
    const name = s.startsWith('-') ? s.slice(1) : s;
    if (name !== '*' && !known.includes(name)) throw new Error(`Cannot enable controller "${name}": no such controller (known: ${known.join(', ')})`);
  }
  const all = spec.includes('*');
  return known.filter((n) => !spec.includes(`-${n}`) && (all || spec.includes(n)));
}

/**
 * Runs the enabled controllers until `opts.signal` aborts; resolves once they and their informers have stopped and
 * pending events are written.
 */
export async function runControllerManager(client: Client, opts: ControllerManagerOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  // Every informer and controller listens for the abort; that is expected, not a leak.
  setMaxListeners(0, opts.signal);
  const informers = new SharedInformerFactory(client, { clock });
  const recorders = new Map<string, EventRecorder>();
  const ctx: ControllerContext = {
    client, informers, clock, workers: opts.workers ?? 5, settings: opts.settings,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder(client, { component, clock })));
      return r;
    },
  };
  const names = enabledControllers(opts.enabled, Object.keys(CONTROLLERS));
  const controllers: Controller[] = names.map((n) => CONTROLLERS[n](ctx));
  informers.start(opts.signal);
  try {
    if (!(await informers.waitForSync(opts.signal))) return;
    log.info('caches synced; starting controllers', { controllers: names.join(',') });
    await Promise.all(controllers.map(async (c) => {
      try {
        await c.run(opts.signal);
      } catch (err) {
        log.error('controller stopped with an error', { controller: c.name, error: err });
      }
    }));
  } finally {
    await informers.stopped();
    await Promise.all([...recorders.values()].map((r) => r.flush()));
  }
}
