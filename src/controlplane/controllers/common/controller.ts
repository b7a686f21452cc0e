/**
 * The contract between the controller manager and each controller: a Controller runs until its signal aborts, and
 * is built by a factory from one shared ControllerContext (client, shared informers, clock, event recorders).
 * Controllers never import each other; registry.ts lists their factories.
 */
import type { ControllerSettings } from './controller-settings.js';
import type { Client, EventRecorder, SharedInformerFactory } from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';

/** A running control loop. */
export interface Controller {
  /** The name it is enabled by (`--controllers`), e.g. `replicaset`, `deployment`. */
  readonly name: string;
  /**
   * Runs workers until `signal` aborts; resolves once every worker has stopped. The manager starts the informers
   * and waits for their sync before calling run, so the first sync already sees a full cache.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** What every controller factory receives. One per controller manager, shared by all controllers. */
export interface ControllerContext {
  client: Client;
  /** The one informer factory: ask it for informers in the factory, before `run`. */
  informers: SharedInformerFactory;
  clock: Clock;
  /** Concurrent syncs per controller (kube-controller-manager's --concurrent-*-syncs, default 5). */
  workers: number;
  /** An event recorder for a component name such as `replicaset-controller` (one per name, shared). */
  recorder(component: string): EventRecorder;
  /** Per-controller settings (kube-controller-manager's flags); see controller-settings.ts. */
  settings?: Partial<ControllerSettings>;
}

/** Builds a controller; registers its informer handlers but starts nothing. */
export type ControllerFactory = (ctx: ControllerContext) => Controller;
