/**
 * TypeScript shapes of the CRI runtime.v1 messages in api.proto, as @grpc/proto-loader decodes them with
 * `{keepCase, longs: String, enums: String, defaults, oneofs}`:
 * - field names stay snake_case, exactly as on the wire;
 * - int64/uint64 values are decimal strings (`'5'`), because a JS number cannot hold every int64;
 * - enums are their names (`'CONTAINER_RUNNING'`);
 * - timestamps are nanoseconds since the epoch (as strings, being int64);
 * - in responses every scalar is present (defaults), and an absent sub-message is `null`.
 * Request types mark everything optional: what is left out is sent as the proto3 default.
 */

/** A 64-bit integer as proto-loader passes it: a decimal string. Requests also accept a number. */
export type Int64 = string;
/** What requests accept for int64 fields. */
export type Int64In = string | number;

/** Makes every field of a message, recursively, optional: the shape of a request. */
export type DeepPartial<T> = T extends Buffer | string | number | boolean
  ? T
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> | null }
      : T;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
/** Which namespace a container or sandbox shares: the pod's (POD, the CRI default), its own, the node's, a target's. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type ProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';

/** Response of Version. */
export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

/** One runtime condition (RuntimeReady, NetworkReady). */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** Response of Status. `info` (verbose only) holds JSON strings such as the runtime's config. */
export interface StatusResponse {
  status: { conditions: RuntimeCondition[] } | null;
  info: Record<string, string>;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** A hostPort mapping, applied by the CNI portmap plugin. */
export interface PortMapping {
  protocol: Protocol;
  container_port: number;
  host_port: number;
  host_ip: string;
}

/** A bind mount from the host into a container. */
export interface Mount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: MountPropagation;
}

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  target_id: string;
}

/** Wrapper that tells "unset" (null) from 0. */
export interface Int64Value {
  value: Int64;
}
/** Wrapper that tells "unset" (null) from 0. */
export interface UInt64Value {
  value: Int64;
}

export interface SELinuxOption {
  user: string;
  role: string;
  type: string;
  level: string;
}

export interface SecurityProfile {
  profile_type: ProfileType;
  localhost_ref: string;
}

export interface Capability {
  add_capabilities: string[];
  drop_capabilities: string[];
  add_ambient_capabilities: string[];
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface HugepageLimit {
  page_size: string;
  limit: Int64;
}

/** cgroup settings of a container: CFS period/quota, shares, memory limit, oom_score_adj, cpusets. */
export interface LinuxContainerResources {
  cpu_period: Int64;
  cpu_quota: Int64;
  cpu_shares: Int64;
  memory_limit_in_bytes: Int64;
  oom_score_adj: Int64;
  cpuset_cpus: string;
  cpuset_mems: string;
  hugepage_limits: HugepageLimit[];
  unified: Record<string, string>;
  memory_swap_limit_in_bytes: Int64;
}

/** An image reference: a name (`nginx:1.7.9`), a full reference or an image id. */
export interface ImageSpec {
  image: string;
  annotations: Record<string, string>;
}

export interface LinuxSandboxSecurityContext {
  namespace_options: NamespaceOption | null;
  selinux_options: SELinuxOption | null;
  run_as_user: Int64Value | null;
  readonly_rootfs: boolean;
  supplemental_groups: Int64[];
  privileged: boolean;
  seccomp_profile_path: string;
  run_as_group: Int64Value | null;
  seccomp: SecurityProfile | null;
  apparmor: SecurityProfile | null;
}

export interface LinuxPodSandboxConfig {
  cgroup_parent: string;
  security_context: LinuxSandboxSecurityContext | null;
  sysctls: Record<string, string>;
  overhead: LinuxContainerResources | null;
  resources: LinuxContainerResources | null;
}

/** Identifies a sandbox: the pod's name, uid, namespace and the attempt number. */
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** Everything needed to create a sandbox. `log_directory` is required for container logs. */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null;
  hostname: string;
  log_directory: string;
  dns_config: DNSConfig | null;
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: LinuxPodSandboxConfig | null;
}

/** The sandbox config as a request takes it. */
export type PodSandboxConfigInput = DeepPartial<PodSandboxConfig>;

export interface PodSandboxNetworkStatus {
  ip: string;
  additional_ips: { ip: string }[];
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: Int64;
  network: PodSandboxNetworkStatus | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtime_handler: string;
}

/** Response of PodSandboxStatus. With `verbose`, `info.info` is JSON holding the pid and the runtime spec. */
export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: Record<string, string>;
}

/** A filter for ListPodSandbox; all given fields must match. */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  label_selector?: Record<string, string>;
}

/** A sandbox as ListPodSandbox returns it. */
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtime_handler: string;
}

export interface LinuxContainerSecurityContext {
  capabilities: Capability | null;
  privileged: boolean;
  namespace_options: NamespaceOption | null;
  selinux_options: SELinuxOption | null;
  run_as_user: Int64Value | null;
  run_as_username: string;
  readonly_rootfs: boolean;
  supplemental_groups: Int64[];
  apparmor_profile: string;
  seccomp_profile_path: string;
  no_new_privs: boolean;
  run_as_group: Int64Value | null;
  masked_paths: string[];
  readonly_paths: string[];
  seccomp: SecurityProfile | null;
  apparmor: SecurityProfile | null;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface Device {
  container_path: string;
  host_path: string;
  permissions: string;
}

/**
 * Everything needed to create a container. `command` replaces the image's entrypoint and `args` its cmd, as
 * Kubernetes' command/args do. `log_path` is relative to the sandbox's `log_directory`.
 */
export interface ContainerConfig {
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  command: string[];
  args: string[];
  working_dir: string;
  envs: KeyValue[];
  mounts: Mount[];
  devices: Device[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: { resources: LinuxContainerResources | null; security_context: LinuxContainerSecurityContext | null } | null;
}

/** The container config as a request takes it. */
export type ContainerConfigInput = DeepPartial<ContainerConfig>;

/** A filter for ListContainers; all given fields must match. */
export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

/** A container as ListContainers returns it. */
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: ContainerState;
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Status of one container: state, times (ns), exit code and reason (`Error`, `OOMKilled`, `Completed`), log path. */
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  log_path: string;
  resources: { linux: LinuxContainerResources | null } | null;
}

/** Response of ContainerStatus; `info` only with verbose. */
export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: Record<string, string>;
}

/** Result of ExecSync. A non-zero exit code is a normal result, not an error. */
export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

/** Options of Exec: which streams the caller will attach, and whether a TTY is allocated. */
export interface ExecRequest {
  container_id: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** Options of Attach. */
export interface AttachRequest {
  container_id: string;
  stdin?: boolean;
  tty?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

export interface FilesystemUsage {
  timestamp: Int64;
  fs_id: { mountpoint: string } | null;
  used_bytes: UInt64Value | null;
  inodes_used: UInt64Value | null;
}

/** CPU usage; `usage_nano_cores` is 0 on a runtime's first sample. */
export interface CpuUsage {
  timestamp: Int64;
  usage_core_nano_seconds: UInt64Value | null;
  usage_nano_cores: UInt64Value | null;
}

export interface MemoryUsage {
  timestamp: Int64;
  working_set_bytes: UInt64Value | null;
  available_bytes: UInt64Value | null;
  usage_bytes: UInt64Value | null;
  rss_bytes: UInt64Value | null;
  page_faults: UInt64Value | null;
  major_page_faults: UInt64Value | null;
}

export interface NetworkInterfaceUsage {
  name: string;
  rx_bytes: UInt64Value | null;
  rx_errors: UInt64Value | null;
  tx_bytes: UInt64Value | null;
  tx_errors: UInt64Value | null;
}

export interface NetworkUsage {
  timestamp: Int64;
  default_interface: NetworkInterfaceUsage | null;
  interfaces: NetworkInterfaceUsage[];
}

/** Resource usage of one container. */
export interface ContainerStats {
  attributes: {
    id: string;
    metadata: ContainerMetadata | null;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  } | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writable_layer: FilesystemUsage | null;
}

/** A filter for ListContainerStats. */
export interface ContainerStatsFilter {
  id?: string;
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

/** Resource usage of one sandbox: its cgroup's cpu and memory, its network interfaces and its containers. */
export interface PodSandboxStats {
  attributes: {
    id: string;
    metadata: PodSandboxMetadata | null;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  } | null;
  linux: {
    cpu: CpuUsage | null;
    memory: MemoryUsage | null;
    network: NetworkUsage | null;
    process: { timestamp: Int64; process_count: UInt64Value | null } | null;
    containers: ContainerStats[];
  } | null;
}

/** A filter for ListPodSandboxStats. */
export interface PodSandboxStatsFilter {
  id?: string;
  label_selector?: Record<string, string>;
}

/** An image in the runtime's store. `id` is the config digest (`sha256:…`). */
export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}

/** Credentials for PullImage, as the kubelet derives them from imagePullSecrets. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of `user:password`, as in a docker config.json. */
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

/** Response of ImageFsInfo. */
export interface ImageFsInfoResponse {
  image_filesystems: FilesystemUsage[];
  container_filesystems: FilesystemUsage[];
}
