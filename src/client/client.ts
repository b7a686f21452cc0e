/**
 * Client: the entry point components hold. It owns one RestClient (and so one connection pool) and hands out
 * ResourceClients for any group/version/resource.
 */
import type { RestConfig } from './rest-config.js';
import { RestClient, type RestClientOptions } from './rest-client.js';
import { ResourceClient, type KubeObject } from './resource-client.js';

/** The API client of one component. */
export class Client {
  /** The underlying JSON client, for requests outside the resource model (discovery, /healthz, logs). */
  readonly rest: RestClient;

  constructor(config: RestConfig | RestClient, opts: RestClientOptions = {}) {
    this.rest = config instanceof RestClient ? config : new RestClient(config, opts);
  }

  /** A client for `resource` in `group`/`version` (group `''` is core), across all namespaces until `.namespace()`. */
  resource<T extends KubeObject = KubeObject>(group: string, version: string, resource: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, { group, version, resource });
  }

  /** Closes pooled connections. Open watches should be aborted by their owners first. */
  close(): void {
    this.rest.close();
  }
}
