/**
 * Review resources answered without storage. kubelite has one authorization rule (every authenticated user is an
 * administrator, as in a fresh k3s or kind cluster with the admin kubeconfig), so access reviews answer allowed.
 */
import type { HandlerContext } from './context.js';
import { readObject } from './body.js';
import { writeJson } from '../http/respond.js';

/** `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` and the other reviews. */
export async function handleAccessReview(h: HandlerContext): Promise<void> {
  const review = await readObject(h, h.info, []);
  const out = { ...review, metadata: { ...(review.metadata ?? {}), creationTimestamp: null } } as Record<string, any>;
  switch (h.info.resource) {
    case 'selfsubjectreviews':
      out.status = { userInfo: { username: h.ctx.user, groups: ['system:masters', 'system:authenticated'] } };
      break;
    case 'selfsubjectrulesreviews':
      out.status = { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
      break;
    case 'tokenreviews':
      out.status = { authenticated: false, error: 'token review is not supported by kubelite' };
      break;
    default:
      out.status = { allowed: true, reason: 'kubelite: every authenticated user is a cluster administrator' };
  }
  writeJson(h.res, 201, out);
}
