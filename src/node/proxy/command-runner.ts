/**
 * How the proxy runs `nft`, `iptables-restore`, `sysctl` and `ip`: through a replaceable runner, so tests (and a
 * node living in a network namespace) can prefix every command with `nsenter --net=…` while the host's own tables
 * stay untouched.
 */
import { spawn } from 'node:child_process';

/** The outcome of one command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args…` with `input` on stdin and resolves with its exit code and output (never rejects on exit ≠ 0). */
export type CommandRunner = (cmd: string, args: string[], input?: string) => Promise<CommandResult>;

/** Runs commands directly on this host. */
export const runCommand: CommandRunner = (cmd, args, input) => new Promise((resolve) => {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A missing binary is an outcome to report (exit 127, as a shell), not an exception.
  p.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
  p.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  p.stdin.on('error', () => undefined);
  p.stdin.end(input ?? '');
});

/** A runner that executes every command inside the network namespace at `netnsPath` (e.g. /run/netns/NAME). */
export function netnsRunner(netnsPath: string, base: CommandRunner = runCommand): CommandRunner {
  return (cmd, args, input) => base('nsenter', [`--net=${netnsPath}`, cmd, ...args], input);
}

/** Runs a command and throws (naming the command and its stderr) unless it exits 0. */
export async function mustRun(run: CommandRunner, cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  return r.stdout;
}
