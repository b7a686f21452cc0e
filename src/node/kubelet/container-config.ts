/**
 * From a container of a Pod to the CRI container config: command/args with `$(VAR)` expanded, env, workingDir,
 * the pod's volumes mounted per volumeMount (subPath/subPathExpr, readOnly, propagation), the kubelet-managed
 * /etc/hosts and termination-message file, the cgroup resources, the merged pod/container securityContext, the
 * CRI log path `<name>/<attempt>.log`, and the labels/annotations a restarted kubelet reads back.
 */
import { closeSync, existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerConfigInput, LinuxContainerSecurityContext, DeepPartial, Mount, MountPropagation } from '../cri/index.js';
import {
  CONTAINER_HASH_ANNOTATION, CONTAINER_TYPE_ANNOTATION, containerHash, containerLabels, GRACE_PERIOD_ANNOTATION,
  RESTART_COUNT_ANNOTATION, TERMINATION_MESSAGE_HOST_ANNOTATION, TERMINATION_MESSAGE_PATH_ANNOTATION,
} from './cri-labels.js';
import { ContainerConfigError, expandVars } from './container-env.js';
import { linuxResources } from './container-resources.js';
import type { PreparedVolume } from './volumes/volume-manager.js';

/** Paths masked in unprivileged containers (the kubelet's defaults for procMount Default). */
const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Inputs of {@link containerConfig}. */
export interface ContainerConfigOptions {
  attempt: number;
  restartCount: number;
  isInit: boolean;
  env: { key: string; value: string }[];
  volumes: Map<string, PreparedVolume>;
  /** `<dataDir>/pods/<uid>`. */
  podDir: string;
  /** The pod's kubelet-managed hosts file, mounted at /etc/hosts (absent for host-network pods). */
  etcHosts?: string;
  memoryCapacity: number;
}

function propagation(mode: string | undefined): MountPropagation {
  if (mode === 'Bidirectional') return 'PROPAGATION_BIDIRECTIONAL';
  if (mode === 'HostToContainer') return 'PROPAGATION_HOST_TO_CONTAINER';
  return 'PROPAGATION_PRIVATE';
}

/** The host path of a volumeMount: the volume's path, or a subPath inside it (created when missing). */
function mountSource(vol: PreparedVolume, subPath: string, containerName: string): string {
  if (!subPath) return vol.hostPath;
  if (subPath.startsWith('/') || subPath.split('/').includes('..')) {
    throw new ContainerConfigError(`subPath ${JSON.stringify(subPath)} must be a relative path without '..'`);
  }
  const p = join(vol.hostPath, subPath);
  if (!existsSync(p)) {
    if (vol.readOnly) throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${vol.name}" of container "${containerName}"`);
    mkdirSync(p, { recursive: true, mode: 0o777 });
  }
  // A configMap/secret key is a symlink into ..data: resolve it on the host, and keep it inside the volume.
  const real = realpathSync(p);
  const base = realpathSync(vol.hostPath);
  const rel = relative(base, real);
  if (rel === '..' || rel.startsWith('../')) throw new ContainerConfigError(`subPath ${JSON.stringify(subPath)} escapes volume "${vol.name}"`);
  return real;
}

/** The merged pod/container security context in CRI form. */
function securityContext(pod: Pod, c: Container, isHostNet: boolean): DeepPartial<LinuxContainerSecurityContext> {
  const psc = pod.spec?.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  const privileged = !!sc.privileged;
  const unmasked = sc.procMount === 'Unmasked';
  return {
    privileged,
    capabilities: { add_capabilities: sc.capabilities?.add ?? [], drop_capabilities: sc.capabilities?.drop ?? [] },
    run_as_user: runAsUser !== undefined ? { value: String(runAsUser) } : null,
    run_as_group: runAsGroup !== undefined ? { value: String(runAsGroup) } : null,
    readonly_rootfs: !!sc.readOnlyRootFilesystem,
    no_new_privs: sc.allowPrivilegeEscalation === false,
    supplemental_groups: [...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])].map(String),
    namespace_options: {
      network: isHostNet ? 'NODE' : 'POD',
      pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
      ipc: pod.spec?.hostIPC ? 'NODE' : 'POD',
    },
    masked_paths: privileged || unmasked ? [] : MASKED_PATHS,
    readonly_paths: privileged || unmasked ? [] : READONLY_PATHS,
  };
}

/** The CRI config of one container; see the module comment. Throws ContainerConfigError on a bad mount. */
export function containerConfig(pod: Pod, c: Container, o: ContainerConfigOptions): ContainerConfigInput {
  const m = pod.metadata ?? {};
  const envMap = new Map(o.env.map((e) => [e.key, e.value]));
  const lookup = (n: string) => envMap.get(n);
  const mounts: Partial<Mount>[] = [];
  const targets = new Set<string>();
  for (const vm of c.volumeMounts ?? []) {
    const vol = o.volumes.get(vm.name);
    if (!vol) throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${c.name}"`);
    const sub = vm.subPathExpr ? expandVars(vm.subPathExpr, lookup) : vm.subPath ?? '';
    mounts.push({
      container_path: vm.mountPath, host_path: mountSource(vol, sub, c.name), readonly: !!vm.readOnly || vol.readOnly,
      propagation: propagation(vm.mountPropagation),
    });
    targets.add(resolve('/', vm.mountPath));
  }
  if (o.etcHosts && !targets.has('/etc/hosts')) mounts.push({ container_path: '/etc/hosts', host_path: o.etcHosts, readonly: false });
  const annotations: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: containerHash(c),
    [RESTART_COUNT_ANNOTATION]: String(o.restartCount),
    [GRACE_PERIOD_ANNOTATION]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
    [CONTAINER_TYPE_ANNOTATION]: o.isInit ? 'init' : 'app',
  };
  const tmPath = c.terminationMessagePath ?? '/dev/termination-log';
  if (tmPath && !targets.has(resolve('/', tmPath))) {
    const dir = join(o.podDir, 'containers', c.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, randomBytes(4).toString('hex'));
    closeSync(openSync(file, 'w', 0o666));
    mounts.push({ container_path: tmPath, host_path: file, readonly: false });
    annotations[TERMINATION_MESSAGE_PATH_ANNOTATION] = tmPath;
    annotations[TERMINATION_MESSAGE_HOST_ANNOTATION] = file;
  }
  return {
    metadata: { name: c.name, attempt: o.attempt },
    image: { image: c.image ?? '' },
    command: (c.command ?? []).map((s) => expandVars(s, lookup)),
    args: (c.args ?? []).map((s) => expandVars(s, lookup)),
    working_dir: c.workingDir ?? '',
    envs: o.env,
    mounts,
    labels: containerLabels(m.namespace ?? 'default', m.name ?? '', m.uid ?? '', c.name),
    annotations,
    log_path: `${c.name}/${o.attempt}.log`,
    stdin: !!c.stdin,
    stdin_once: !!c.stdinOnce,
    tty: !!c.tty,
    linux: { resources: linuxResources(pod, c, o.memoryCapacity), security_context: securityContext(pod, c, !!pod.spec?.hostNetwork) },
  };
}
