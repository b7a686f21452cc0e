/**
 * The entry point of one ingress proxy worker process, forked by {@link ProxyWorkers}: it is run, never imported.
 * It accepts on the listening sockets the controller passes over IPC, builds its route table from the snapshots
 * the controller sends, and serves exactly like the controller's own proxy. It exits when told to close (after its
 * requests finish) or when the IPC channel to the controller goes away.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { logger } from '../util/log.js';
import { BackendPool } from './backend-pool.js';
import { ProxyServers } from './proxy-server.js';
import { snapshotSources, type FromWorker, type ToWorker } from './proxy-workers.js';
import { ReverseProxy } from './reverse-proxy.js';
import { RouteTable } from './route-table.js';

const log = logger('ingress-worker');

function main(): void {
  let proxy: ReverseProxy | undefined;
  let servers: ProxyServers | undefined;
  let secrets = new Map<string, Secret>();
  const send = (msg: FromWorker) => process.send?.(msg);
  process.on('message', (msg: ToWorker, handle?: object) => {
    switch (msg.type) {
      case 'init':
        proxy = new ReverseProxy({ pool: new BackendPool(msg.init.pool) });
        servers = new ProxyServers(proxy, { https: msg.init.https, defaultPair: msg.init.defaultPair, secret: (ns, name) => secrets.get(`${ns}/${name}`) });
        break;
      case 'routes': {
        if (!proxy) return;
        secrets = new Map(msg.snapshot.secrets.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
        const table = RouteTable.build(snapshotSources(msg.snapshot));
        proxy.setRoutes(table);
        servers?.certs.retain(table.secrets());
        break;
      }
      case 'listen':
        if (!servers || !handle) return;
        servers.listen(msg.which, { handle }).then(() => send({ type: 'listening', which: msg.which }), (err: unknown) => {
          log.error('cannot listen', { error: err });
          process.exit(1);
        });
        break;
      case 'close':
        void shutdown(msg.graceMs);
        break;
    }
  });
  let closing = false;
  const shutdown = async (graceMs: number) => {
    if (closing) return;
    closing = true;
    await servers?.close(graceMs);
    proxy?.close();
    process.exit(0);
  };
  // Never outlive the controller.
  process.on('disconnect', () => void shutdown(1_000));
}

main();
