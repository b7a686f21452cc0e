import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdConfig, containerdPaths } from './containerd-config.js';

test('the config carries the settings measured as required on these machines', () => {
  const p = containerdPaths('/var/lib/kubelite/agent/containerd');
  const toml = containerdConfig(p, { sandboxImage: 'localhost/kubelite/pause:3.9', cniBinDir: '/usr/lib/cni', runcBinary: '/usr/sbin/runc' });
  for (const line of [
    'version = 2',
    'restrict_oom_score_adj = true',
    'netns_mounts_under_state_dir = true',
    'stream_server_address = "127.0.0.1"',
    'stream_server_port = "0"',
    'disable_apparmor = true',
    'sandbox_image = "localhost/kubelite/pause:3.9"',
    'bin_dir = "/usr/lib/cni"',
    'conf_dir = "/var/lib/kubelite/agent/containerd/cni/net.d"',
    'max_conf_num = 1',
    'config_path = "/var/lib/kubelite/agent/containerd/certs.d"',
    'snapshotter = "overlayfs"',
    'runtime_type = "io.containerd.runc.v2"',
    'BinaryName = "/usr/sbin/runc"',
    'SystemdCgroup = false',
    'address = "/var/lib/kubelite/agent/containerd/containerd.sock"',
    '"io.containerd.snapshotter.v1.devmapper",',
  ]) assert.ok(toml.split('\n').some((l) => l.trim() === line), `missing: ${line}`);
});

test('a data dir too deep for a unix socket moves the socket under /run/kubelite', () => {
  const p = containerdPaths(`/tmp/${'x'.repeat(120)}`);
  assert.match(p.socket, /^\/run\/kubelite\/[0-9a-f]{12}\/containerd\.sock$/);
  assert.equal(p.socket, containerdPaths(`/tmp/${'x'.repeat(120)}`).socket);
});
