/**
 * A Job's podFailurePolicy applied to one failed pod, as upstream's matchPodFailurePolicy: the first rule that
 * matches decides. onExitCodes looks at terminated containers (init and regular) with a non-zero exit code,
 * optionally of one container name; onPodConditions at the pod's conditions. No match means Count.
 */
import type { PodFailurePolicy } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

/** The verdict for a failed pod. */
export interface PodFailureVerdict {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  /** For FailJob: the Job condition message. */
  message?: string;
}

function matchingExitCode(statuses: readonly ContainerStatus[], containerName: string | undefined, operator: string, values: readonly number[]): ContainerStatus | undefined {
  return statuses.find((cs) => {
    const code = cs.state?.terminated?.exitCode;
    if (code === undefined || code === 0) return false;
    if (containerName && cs.name !== containerName) return false;
    return operator === 'In' ? values.includes(code) : operator === 'NotIn' ? !values.includes(code) : false;
  });
}

/** The first matching rule's action for failed pod `pod`, with the message a FailJob verdict puts on the Job. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailureVerdict {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const podName = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const rules = policy?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const action = rule.action as PodFailureVerdict['action'];
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes;
      const cs = matchingExitCode(statuses, containerName, operator, values ?? []);
      if (cs) {
        return { action, message: `Container ${cs.name} for pod ${podName} failed with exit code ${cs.state!.terminated!.exitCode} matching ${action} rule at index ${i}` };
      }
    }
    for (const req of rule.onPodConditions ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === req.type && x.status === (req.status || 'True'));
      if (c) return { action, message: `Pod ${podName} has condition ${c.type} matching ${action} rule at index ${i}` };
    }
  }
  return { action: 'Count' };
}
