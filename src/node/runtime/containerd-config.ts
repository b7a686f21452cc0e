/**
 * The private containerd's directory layout and its config.toml (version 2). Every setting here was measured to
 * matter on these machines (shared/CRI-NOTES.md): `restrict_oom_score_adj` above all — without it every sandbox
 * fails with "can't get final child's PID from pipe: EOF", because even root cannot lower oom_score_adj without
 * CAP_SYS_RESOURCE. cgroupfs is the only cgroup driver, since there is no systemd.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/** Where one private containerd keeps everything. */
export interface ContainerdPaths {
  dataDir: string;
  config: string;
  root: string;
  state: string;
  /** The gRPC socket (CRI and containerd's own API). */
  socket: string;
  runcRoot: string;
  opt: string;
  cniConfDir: string;
  cniIpamDir: string;
  registryDir: string;
  log: string;
  pidFile: string;
  imageCache: string;
}

/** Longest socket path we allow: sun_path holds 108 bytes, and containerd adds `.ttrpc` for its second socket. */
const MAX_SOCKET = 100;

/**
 * The layout under `dataDir`. The socket lives there too unless the path would be too long for a unix socket; then
 * it goes to /run/kubelite/<hash of dataDir>/.
 */
export function containerdPaths(dataDir: string): ContainerdPaths {
  const d = resolve(dataDir);
  let socket = join(d, 'containerd.sock');
  if (Buffer.byteLength(socket) + '.ttrpc'.length > MAX_SOCKET) {
    socket = join('/run/kubelite', createHash('sha256').update(d).digest('hex').slice(0, 12), 'containerd.sock');
  }
  return {
    dataDir: d,
    config: join(d, 'config.toml'),
    root: join(d, 'root'),
    state: join(d, 'state'),
    socket,
    runcRoot: join(d, 'runc'),
    opt: join(d, 'opt'),
    cniConfDir: join(d, 'cni', 'net.d'),
    cniIpamDir: join(d, 'cni', 'networks'),
    registryDir: join(d, 'certs.d'),
    log: join(d, 'containerd.log'),
    pidFile: join(d, 'containerd.pid'),
    imageCache: join(d, 'images'),
  };
}

/** Settings of the config beyond the layout. */
export interface ContainerdConfigOptions {
  sandboxImage: string;
  cniBinDir: string;
  runcBinary: string;
  /** Where the stream server (exec/attach/port-forward URLs) listens. Default 127.0.0.1. */
  streamServerAddress?: string;
}

function q(s: string): string {
  // A JSON string is a valid TOML basic string.
  return JSON.stringify(s);
}

/** The config.toml text. */
export function containerdConfig(p: ContainerdPaths, o: ContainerdConfigOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `# Written by kubelite for its private containerd; rewritten at every start.
version = 2
root = ${q(p.root)}
state = ${q(p.state)}
oom_score = 0
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
]

[grpc]
  address = ${q(p.socket)}

[ttrpc]
  address = ${q(`${p.socket}.ttrpc`)}

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = ${q(p.opt)}

  ${cri}]
    sandbox_image = ${q(o.sandboxImage)}
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    stream_server_address = ${q(o.streamServerAddress ?? '127.0.0.1')}
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    disable_tcp_service = true

    ${cri}.cni]
      bin_dir = ${q(o.cniBinDir)}
      conf_dir = ${q(p.cniConfDir)}
      max_conf_num = 1

    ${cri}.registry]
      config_path = ${q(p.registryDir)}

    ${cri}.containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      ${cri}.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        ${cri}.containerd.runtimes.runc.options]
          BinaryName = ${q(o.runcBinary)}
          Root = ${q(p.runcRoot)}
          SystemdCgroup = false
`;
}
