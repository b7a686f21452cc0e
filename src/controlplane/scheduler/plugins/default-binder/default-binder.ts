/**
 * DefaultBinder: binds through `POST pods/NAME/binding` with the pod's UID as a precondition, so a pod deleted and
 * re-created under the same name is never bound by mistake (upstream's DefaultBinder).
 */
import type { Client } from '../../../../client/index.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { BindPlugin, PluginHandle } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { asStatus, SUCCESS, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'DefaultBinder';

/** The plugin. */
export class DefaultBinder implements BindPlugin {
  readonly name = NAME;

  constructor(private readonly client: Client) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string, signal?: AbortSignal): Promise<Status> {
    const m = pod.pod.metadata ?? {};
    try {
      await this.client.resource('', 'v1', 'pods').bind(m.name ?? '', nodeName, { namespace: m.namespace, uid: m.uid, signal });
      return SUCCESS;
    } catch (err) {
      return asStatus(err);
    }
  }
}

/** Factory. */
export const factory = (h: PluginHandle): DefaultBinder => new DefaultBinder(h.client);
