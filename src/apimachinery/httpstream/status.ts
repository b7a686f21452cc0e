/**
 * The Status JSON a remote-command server writes on the error channel when the command ends (protocol v4 and
 * later): Success, NonZeroExitCode with an ExitCode cause (kubectl exits with that code and prints "command
 * terminated with exit code N"), or another failure whose message kubectl prints.
 */

/** The status document of the error channel. */
export interface StreamStatus {
  kind?: string;
  apiVersion?: string;
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
  code?: number;
}

/** The command exited 0. */
export function successStatus(): StreamStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

/** The command exited with `exitCode` (non-zero); `command` only feeds the human message. */
export function nonZeroExitCodeStatus(exitCode: number, command?: string[]): StreamStatus {
  const what = command?.length ? `error executing command [${command.join(' ')}], exit code ${exitCode}` : `exit code ${exitCode}`;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: ${what}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Any other failure (the runtime could not start the command, the container is gone, …). */
export function failureStatus(message: string, reason = 'InternalError'): StreamStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: 500 };
}

/** Parses a status document received on an error channel; older protocols send plain text, kept as the message. */
export function parseStreamStatus(body: Buffer | string): StreamStatus {
  const text = body.toString().trim();
  if (!text) return successStatus();
  try {
    const v = JSON.parse(text) as StreamStatus;
    if (v && (v.status === 'Success' || v.status === 'Failure')) return { ...v, metadata: {} };
  } catch {
    // plain-text error (protocols before v4)
  }
  return failureStatus(text);
}

/** The exit code a status stands for: 0 on success, the ExitCode cause of NonZeroExitCode, else undefined. */
export function exitCodeOf(status: StreamStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/** Serialises a status for the error channel. */
export function encodeStreamStatus(status: StreamStatus): Buffer {
  return Buffer.from(JSON.stringify(status));
}
