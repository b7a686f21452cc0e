/**
 * Preflight for a node that runs real containers: root, and the Debian packages that provide containerd (with
 * ctr and the runc shim), runc, the CNI plugins and iptables (the portmap plugin calls it). It says exactly which
 * packages are missing and the one apt-get command that installs them.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { detectCniBinDir, CNI_BIN_DIRS, REQUIRED_CNI_PLUGINS } from './cni-config.js';

/** One missing piece and the Debian package that provides it. */
export interface MissingPrerequisite {
  /** What is missing, e.g. `runc binary` or `CNI plugin bridge`. */
  what: string;
  /** The Debian package to install. */
  package: string;
}

/** The result of {@link checkNodePrerequisites}. */
export interface PrerequisiteReport {
  ok: boolean;
  /** Whether this process runs as root (containers need it). */
  root: boolean;
  missing: MissingPrerequisite[];
  /** Missing Debian packages, each once. */
  packages: string[];
  /** `apt-get install -y …` for the missing packages, or undefined when none are missing. */
  installCommand?: string;
  /** Where the CNI plugins were found. */
  cniBinDir?: string;
  /** A sentence for the user: what is wrong and what to run; "ok" when nothing is. */
  message: string;
}

/** Directories searched for binaries besides PATH (root's sbin dirs are often missing from a user's PATH). */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of a command, searched on PATH and the system directories. */
export function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_DIRS]) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Which binaries each Debian package must provide. */
const packageBinaries: { package: string; binaries: string[] }[] = [
  { package: 'containerd', binaries: ['containerd', 'containerd-shim-runc-v2', 'ctr'] },
  { package: 'runc', binaries: ['runc'] },
  { package: 'iptables', binaries: ['iptables'] },
];

/** Checks root and the packages; see the module comment. */
export function checkNodePrerequisites(opts: { cniBinDir?: string } = {}): PrerequisiteReport {
  const missing: MissingPrerequisite[] = [];
  for (const { package: pkg, binaries } of packageBinaries) {
    for (const b of binaries) if (!findBinary(b)) missing.push({ what: `${b} binary`, package: pkg });
  }
  const cniBinDir = opts.cniBinDir ? (detectCniBinDir([opts.cniBinDir]) ? opts.cniBinDir : undefined) : detectCniBinDir();
  if (!cniBinDir) {
    const dirs = opts.cniBinDir ? [opts.cniBinDir] : CNI_BIN_DIRS;
    for (const p of REQUIRED_CNI_PLUGINS) {
      if (!dirs.some((d) => existsSync(join(d, p)))) missing.push({ what: `CNI plugin ${p} (in ${dirs.join(' or ')})`, package: 'containernetworking-plugins' });
    }
    if (!missing.some((m) => m.package === 'containernetworking-plugins')) {
      missing.push({ what: `the CNI plugins ${REQUIRED_CNI_PLUGINS.join(', ')} together in one of ${dirs.join(', ')}`, package: 'containernetworking-plugins' });
    }
  }
  const packages = [...new Set(missing.map((m) => m.package))];
  const root = process.getuid?.() === 0;
  const installCommand = packages.length ? `apt-get install -y ${packages.join(' ')}` : undefined;
  const problems: string[] = [];
  if (packages.length) problems.push(`missing ${missing.map((m) => m.what).join(', ')}; install them with: ${installCommand}`);
  if (!root) problems.push('running real containers needs root (containerd, runc and CNI create namespaces, cgroups and bridges)');
  return {
    ok: problems.length === 0,
    root,
    missing,
    packages,
    installCommand,
    cniBinDir,
    message: problems.length ? `This node cannot run containers: ${problems.join('; ')}.` : 'ok',
  };
}
