/**
 * Which Ingresses this controller serves, and the IngressClass it owns. kubelite's controller name is
 * `kubelite.io/ingress`; its class (`kubelite` unless configured) is created as the cluster's default class, so
 * Ingresses without a class are served too — the same contract as k3s' bundled Traefik.
 *
 * An Ingress is served when its `spec.ingressClassName` (or, failing that, the deprecated
 * `kubernetes.io/ingress.class` annotation) names our class or any IngressClass whose `spec.controller` is ours;
 * with neither, when one of our classes carries `ingressclass.kubernetes.io/is-default-class: "true"`.
 */
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { isReason } from '../apimachinery/errors/status-error.js';
import type { Client } from '../client/index.js';
import { delay } from '../util/async.js';
import { logger } from '../util/log.js';

const log = logger('ingress');

/** The `spec.controller` of kubelite's IngressClasses. */
export const INGRESS_CONTROLLER = 'kubelite.io/ingress';
/** The annotation marking the cluster's default IngressClass. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The annotation that named the class before `spec.ingressClassName` existed. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The classes this controller answers for, as derived from the IngressClasses in the cluster. */
export interface ClassSelection {
  names: ReadonlySet<string>;
  /** One of our classes is the default class. */
  isDefault: boolean;
}

/** Our classes among `classes`: `className` plus every class naming our controller. */
export function selectClasses(className: string, classes: readonly IngressClass[]): ClassSelection {
  const names = new Set([className]);
  let isDefault = false;
  for (const c of classes) {
    const name = c.metadata?.name ?? '';
    const ours = c.spec?.controller === INGRESS_CONTROLLER;
    if (ours) names.add(name);
    if (ours && c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') isDefault = true;
  }
  return { names, isDefault };
}

/** True when `ing` belongs to one of the selected classes. */
export function servesIngress(ing: Ingress, sel: ClassSelection): boolean {
  const cls = ing.spec?.ingressClassName || ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  return cls ? sel.names.has(cls) : sel.isDefault;
}

/** The IngressClass kubelite creates: its controller, marked default. */
export function defaultIngressClass(name: string): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: INGRESS_CONTROLLER },
  };
}

/**
 * Creates IngressClass `name` if it is missing, retrying until it exists or `signal` aborts. An existing class is
 * left as its owner configured it (an administrator may have removed the default mark on purpose).
 */
export async function ensureIngressClass(client: Client, name: string, signal: AbortSignal): Promise<void> {
  const classes = client.resource<IngressClass>('networking.k8s.io', 'v1', 'ingressclasses');
  let backoff = 500;
  while (!signal.aborted) {
    try {
      const existing = await classes.get(name, { signal }).catch((err: unknown) => {
        if (isReason(err, 'NotFound')) return undefined;
        throw err;
      });
      if (existing) {
        if (existing.spec?.controller !== INGRESS_CONTROLLER) {
          log.warn('IngressClass exists with another controller; its Ingresses are still served by name', { class: name, controller: existing.spec?.controller });
        }
        return;
      }
      await classes.create(defaultIngressClass(name), { signal });
      log.info('created the default IngressClass', { class: name, controller: INGRESS_CONTROLLER });
      return;
    } catch (err) {
      if (signal.aborted) return;
      if (isReason(err, 'AlreadyExists')) return;
      log.warn('cannot ensure IngressClass; retrying', { class: name, error: err, retryMs: backoff });
      await delay(backoff, { signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, 30_000);
    }
  }
}
