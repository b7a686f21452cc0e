/**
 * CriClient: a typed client of the Kubernetes Container Runtime Interface (runtime.v1 RuntimeService and
 * ImageService) over gRPC on a unix socket, as the kubelet's remote runtime does. It knows nothing of Pods: it
 * speaks sandboxes, containers and images, and every failure is a CriError carrying the gRPC code.
 *
 * The wire schema is api.proto beside this file, loaded once per process with proto-loader.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { delay } from '../../util/async.js';
import { CriError } from './cri-error.js';
import type {
  AttachRequest, AuthConfig, Container, ContainerConfigInput, ContainerFilter, ContainerStats, ContainerStatsFilter,
  ContainerStatusResponse, DeepPartial, ExecRequest, ExecSyncResponse, Image, ImageFsInfoResponse, Int64In,
  LinuxContainerResources, PodSandbox, PodSandboxConfigInput, PodSandboxFilter, PodSandboxStats,
  PodSandboxStatsFilter, PodSandboxStatusResponse, StatusResponse, VersionResponse,
} from './types.js';

/** The CRI API version this client speaks, sent in VersionRequest. */
export const CRI_API_VERSION = 'v1';

/** Per-call options, accepted as the last argument of every method. */
export interface CallOptions {
  /** Deadline for this call in milliseconds; 0 means none. Defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Cancels the call (it then rejects with a CANCELLED CriError). */
  signal?: AbortSignal;
}

/** Options of {@link CriClient}. */
export interface CriClientOptions {
  /** Default deadline of a call, in ms. Default 2 minutes, the kubelet's runtime request timeout. */
  timeoutMs?: number;
  /** Largest response accepted, in bytes. Default 16 MiB, as the kubelet (ExecSync output is capped at 16 MB). */
  maxMessageBytes?: number;
}

const protoOptions: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** api.proto beside the compiled module, or in the source tree when running from dist/ (tsc does not copy it). */
function protoPath(): string {
  const candidates = [new URL('./api.proto', import.meta.url), new URL('../../../../src/node/cri/api.proto', import.meta.url)];
  for (const url of candidates) {
    const p = fileURLToPath(url);
    if (existsSync(p)) return p;
  }
  throw new Error(`CRI schema api.proto not found (looked at ${candidates.map((u) => fileURLToPath(u)).join(', ')})`);
}

type ServiceCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;
let services: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

function loadServices(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (services) return services;
  const def = protoLoader.loadSync(protoPath(), protoOptions);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } };
  };
  services = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return services;
}

/**
 * The gRPC target for a CRI endpoint. Accepts `unix:///path.sock` (the kubelet's flag form), `unix:/path` or a bare
 * absolute path.
 */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('unix:')) return `unix://${endpoint.slice('unix:'.length)}`;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  throw new Error(`Unsupported CRI endpoint ${JSON.stringify(endpoint)}: expected unix:///path/to/socket`);
}

/** The filesystem path of a unix CRI endpoint. */
export function socketPath(endpoint: string): string {
  return grpcTarget(endpoint).slice('unix://'.length);
}

type UnaryFn = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** A typed CRI client; see the module comment. Call `close()` when done. */
export class CriClient {
  /** The endpoint this client talks to, as given. */
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;
  private readonly timeoutMs: number;

  constructor(endpoint: string, opts: CriClientOptions = {}) {
    this.endpoint = endpoint;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    const { runtime, image } = loadServices();
    const max = opts.maxMessageBytes ?? 16 * 1024 * 1024;
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
      // Reconnect quickly after a runtime restart instead of backing off for up to two minutes.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    };
    const target = grpcTarget(endpoint);
    this.runtime = new runtime(target, grpc.credentials.createInsecure(), channelOptions);
    this.image = new image(target, grpc.credentials.createInsecure(), channelOptions);
  }

  /** Closes both channels. Calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    this.runtime.close();
    this.image.close();
  }

  private call<T>(client: grpc.Client, method: string, req: unknown, opts: CallOptions = {}): Promise<T> {
    const fn = (client as unknown as Record<string, UnaryFn>)[method];
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const callOpts: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(new CriError(method, grpc.status.CANCELLED, 'aborted before the call', { cause: signal.reason }));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = fn.call(client, req, new grpc.Metadata(), callOpts, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(new CriError(method, err.code ?? grpc.status.UNKNOWN, err.details || err.message, { cause: err }));
        else resolve(res as T);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Polls Version until the runtime answers, for use right after starting it. Rejects with the last error when
   * `timeoutMs` (default 30 s) passes.
   */
  async waitForRuntime(opts: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {}): Promise<VersionResponse> {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      try {
        return await this.version({ timeoutMs: 2000, signal: opts.signal });
      } catch (err) {
        if (opts.signal?.aborted || Date.now() > deadline) throw err;
      }
      await delay(opts.intervalMs ?? 50, { signal: opts.signal });
    }
  }

  // ---- runtime ----

  /** The runtime's name and version (`containerd`, `1.6.20`) and the CRI version it speaks. */
  version(opts?: CallOptions): Promise<VersionResponse> {
    return this.call(this.runtime, 'Version', { version: CRI_API_VERSION }, opts);
  }

  /** The RuntimeReady and NetworkReady conditions; with `verbose`, `info` holds the runtime's config as JSON. */
  status(opts: CallOptions & { verbose?: boolean } = {}): Promise<StatusResponse> {
    return this.call(this.runtime, 'Status', { verbose: opts.verbose ?? false }, opts);
  }

  /** Tells the runtime the node's pod CIDR (used by CNI config templates). */
  async updateRuntimeConfig(podCidr: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: podCidr } } }, opts);
  }

  // ---- sandboxes ----

  /** Creates and starts a sandbox (pause container + network namespace + CNI); resolves to its id. */
  async runPodSandbox(config: PodSandboxConfigInput, opts: CallOptions & { runtimeHandler?: string } = {}): Promise<string> {
    const res = await this.call<{ pod_sandbox_id: string }>(this.runtime, 'RunPodSandbox',
      { config, runtime_handler: opts.runtimeHandler ?? '' }, opts);
    return res.pod_sandbox_id;
  }

  /** Stops a sandbox: kills its containers and releases its network. Idempotent. */
  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StopPodSandbox', { pod_sandbox_id: podSandboxId }, opts);
  }

  /** Removes a sandbox and its containers. Idempotent. */
  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemovePodSandbox', { pod_sandbox_id: podSandboxId }, opts);
  }

  /** A sandbox's state and IP (`status.network.ip`). NOT_FOUND when it does not exist. */
  podSandboxStatus(podSandboxId: string, opts: CallOptions & { verbose?: boolean } = {}): Promise<PodSandboxStatusResponse> {
    return this.call(this.runtime, 'PodSandboxStatus', { pod_sandbox_id: podSandboxId, verbose: opts.verbose ?? false }, opts);
  }

  /** Sandboxes matching the filter (all when none). */
  async listPodSandbox(filter: PodSandboxFilter = {}, opts?: CallOptions): Promise<PodSandbox[]> {
    const wire = { id: filter.id ?? '', state: filter.state ? { state: filter.state } : null, label_selector: filter.label_selector ?? {} };
    const res = await this.call<{ items: PodSandbox[] }>(this.runtime, 'ListPodSandbox', { filter: wire }, opts);
    return res.items;
  }

  /** Time-series-free stats of one sandbox: cpu, memory, network and its containers. */
  async podSandboxStats(podSandboxId: string, opts?: CallOptions): Promise<PodSandboxStats | null> {
    const res = await this.call<{ stats: PodSandboxStats | null }>(this.runtime, 'PodSandboxStats', { pod_sandbox_id: podSandboxId }, opts);
    return res.stats;
  }

  /** Stats of every sandbox matching the filter. */
  async listPodSandboxStats(filter: PodSandboxStatsFilter = {}, opts?: CallOptions): Promise<PodSandboxStats[]> {
    const res = await this.call<{ stats: PodSandboxStats[] }>(this.runtime, 'ListPodSandboxStats',
      { filter: { id: filter.id ?? '', label_selector: filter.label_selector ?? {} } }, opts);
    return res.stats;
  }

  /** Opens a port-forward session on the runtime's stream server; resolves to its single-use URL. */
  async portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'PortForward', { pod_sandbox_id: podSandboxId, port: ports }, opts);
    return res.url;
  }

  // ---- containers ----

  /**
   * Creates a container in a sandbox; resolves to its id. `sandboxConfig` must be the config the sandbox was run
   * with. A missing image fails with NOT_FOUND.
   */
  async createContainer(podSandboxId: string, config: ContainerConfigInput, sandboxConfig: PodSandboxConfigInput, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ container_id: string }>(this.runtime, 'CreateContainer',
      { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig }, opts);
    return res.container_id;
  }

  /** Starts a created container. */
  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StartContainer', { container_id: containerId }, opts);
  }

  /**
   * Stops a container: SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`. Idempotent. The
   * call's own deadline is stretched past the grace period.
   */
  async stopContainer(containerId: string, timeoutSeconds: number, opts: CallOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? Math.max(this.timeoutMs, timeoutSeconds * 1000 + 30_000);
    await this.call(this.runtime, 'StopContainer', { container_id: containerId, timeout: String(timeoutSeconds) }, { ...opts, timeoutMs });
  }

  /** Removes a container (killing it if it runs). Idempotent. */
  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemoveContainer', { container_id: containerId }, opts);
  }

  /** Containers matching the filter (all when none). */
  async listContainers(filter: ContainerFilter = {}, opts?: CallOptions): Promise<Container[]> {
    const wire = {
      id: filter.id ?? '', pod_sandbox_id: filter.pod_sandbox_id ?? '',
      state: filter.state ? { state: filter.state } : null, label_selector: filter.label_selector ?? {},
    };
    const res = await this.call<{ containers: Container[] }>(this.runtime, 'ListContainers', { filter: wire }, opts);
    return res.containers;
  }

  /** A container's state, exit code, reason and log path. NOT_FOUND when it does not exist. */
  containerStatus(containerId: string, opts: CallOptions & { verbose?: boolean } = {}): Promise<ContainerStatusResponse> {
    return this.call(this.runtime, 'ContainerStatus', { container_id: containerId, verbose: opts.verbose ?? false }, opts);
  }

  /** Changes a running container's cgroup limits. */
  async updateContainerResources(containerId: string, linux: DeepPartial<LinuxContainerResources>, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'UpdateContainerResources', { container_id: containerId, linux }, opts);
  }

  /** Asks the runtime to reopen a container's log file (after rotation). */
  async reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'ReopenContainerLog', { container_id: containerId }, opts);
  }

  /**
   * Runs a command in a container and waits for it. A non-zero exit code is a result, not an error. The runtime
   * kills the command after `timeoutSeconds` (0: never); the gRPC deadline is set a little later.
   */
  execSync(containerId: string, cmd: string[], opts: CallOptions & { timeoutSeconds?: Int64In } = {}): Promise<ExecSyncResponse> {
    const timeoutSeconds = Number(opts.timeoutSeconds ?? 0);
    const timeoutMs = opts.timeoutMs ?? (timeoutSeconds > 0 ? timeoutSeconds * 1000 + 10_000 : 0);
    return this.call(this.runtime, 'ExecSync', { container_id: containerId, cmd, timeout: String(timeoutSeconds) }, { ...opts, timeoutMs });
  }

  /** Prepares an exec session on the runtime's stream server; resolves to its single-use URL (about 1 min). */
  async exec(req: ExecRequest, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'Exec', {
      container_id: req.container_id, cmd: req.cmd, tty: req.tty ?? false, stdin: req.stdin ?? false,
      stdout: req.stdout ?? true, stderr: req.stderr ?? !req.tty,
    }, opts);
    return res.url;
  }

  /** Prepares an attach session to a container's main process; resolves to its single-use URL. */
  async attach(req: AttachRequest, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'Attach', {
      container_id: req.container_id, stdin: req.stdin ?? false, tty: req.tty ?? false,
      stdout: req.stdout ?? true, stderr: req.stderr ?? !req.tty,
    }, opts);
    return res.url;
  }

  /** Current usage of one container. */
  async containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats | null> {
    const res = await this.call<{ stats: ContainerStats | null }>(this.runtime, 'ContainerStats', { container_id: containerId }, opts);
    return res.stats;
  }

  /** Usage of every container matching the filter. */
  async listContainerStats(filter: ContainerStatsFilter = {}, opts?: CallOptions): Promise<ContainerStats[]> {
    const res = await this.call<{ stats: ContainerStats[] }>(this.runtime, 'ListContainerStats', {
      filter: { id: filter.id ?? '', pod_sandbox_id: filter.pod_sandbox_id ?? '', label_selector: filter.label_selector ?? {} },
    }, opts);
    return res.stats;
  }

  // ---- images ----

  /**
   * Pulls an image (with optional registry credentials); resolves to the image's id/ref. No deadline unless given:
   * big pulls take long, and the caller's signal is the way to give up.
   */
  async pullImage(image: string, opts: CallOptions & { auth?: AuthConfig; sandboxConfig?: PodSandboxConfigInput } = {}): Promise<string> {
    const res = await this.call<{ image_ref: string }>(this.image, 'PullImage',
      { image: { image }, auth: opts.auth ?? null, sandbox_config: opts.sandboxConfig ?? null },
      { ...opts, timeoutMs: opts.timeoutMs ?? 0 });
    return res.image_ref;
  }

  /** Images in the store, optionally only those matching `image`. */
  async listImages(image?: string, opts?: CallOptions): Promise<Image[]> {
    const res = await this.call<{ images: Image[] }>(this.image, 'ListImages', { filter: image ? { image: { image } } : null }, opts);
    return res.images;
  }

  /** One image, or `image: null` when it is not present (not an error). */
  imageStatus(image: string, opts: CallOptions & { verbose?: boolean } = {}): Promise<{ image: Image | null; info: Record<string, string> }> {
    return this.call(this.image, 'ImageStatus', { image: { image }, verbose: opts.verbose ?? false }, opts);
  }

  /** Removes an image. Removing by one tag removes every tag of that image. Idempotent. */
  async removeImage(image: string, opts?: CallOptions): Promise<void> {
    await this.call(this.image, 'RemoveImage', { image: { image } }, opts);
  }

  /** Usage of the filesystem that holds images. */
  imageFsInfo(opts?: CallOptions): Promise<ImageFsInfoResponse> {
    return this.call(this.image, 'ImageFsInfo', {}, opts);
  }
}
