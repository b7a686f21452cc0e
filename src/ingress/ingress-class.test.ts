/**
 * Class selection: which Ingresses the controller serves, given the IngressClasses in the cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { DEFAULT_CLASS_ANNOTATION, defaultIngressClass, INGRESS_CONTROLLER, LEGACY_CLASS_ANNOTATION, selectClasses, servesIngress } from './ingress-class.js';

const cls = (name: string, controller: string, isDefault = false): IngressClass => ({
  metadata: { name, annotations: isDefault ? { [DEFAULT_CLASS_ANNOTATION]: 'true' } : {} }, spec: { controller },
});
const ing = (className?: string, legacy?: string): Ingress => ({
  metadata: { name: 'i', namespace: 'ns', annotations: legacy ? { [LEGACY_CLASS_ANNOTATION]: legacy } : {} },
  spec: { ingressClassName: className },
});

test('which Ingresses are served', () => {
  const cases: { name: string; classes: IngressClass[]; ingress: Ingress; want: boolean }[] = [
    { name: 'our class by name', classes: [], ingress: ing('kubelite'), want: true },
    { name: 'another class', classes: [cls('nginx', 'k8s.io/ingress-nginx')], ingress: ing('nginx'), want: false },
    { name: 'any class naming our controller', classes: [cls('internal', INGRESS_CONTROLLER)], ingress: ing('internal'), want: true },
    { name: 'no class while ours is the default', classes: [defaultIngressClass('kubelite')], ingress: ing(), want: true },
    { name: 'no class while ours is not the default', classes: [cls('kubelite', INGRESS_CONTROLLER)], ingress: ing(), want: false },
    { name: "no class while another controller's class is the default", classes: [cls('nginx', 'k8s.io/ingress-nginx', true)], ingress: ing(), want: false },
    { name: 'the legacy annotation naming us', classes: [], ingress: ing(undefined, 'kubelite'), want: true },
    { name: 'the legacy annotation naming another class', classes: [defaultIngressClass('kubelite')], ingress: ing(undefined, 'nginx'), want: false },
    { name: 'spec.ingressClassName wins over the annotation', classes: [], ingress: ing('nginx', 'kubelite'), want: false },
  ];
  for (const c of cases) assert.equal(servesIngress(c.ingress, selectClasses('kubelite', c.classes)), c.want, c.name);
});

test('the class kubelite creates is the default class for its controller', () => {
  const c = defaultIngressClass('kubelite');
  assert.equal(c.spec?.controller, 'kubelite.io/ingress');
  assert.equal(c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
});
