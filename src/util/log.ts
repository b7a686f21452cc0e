/**
 * Minimal structured logging: one line per message on stderr, `LEVEL time component: message key=value…`.
 * Verbosity comes from KUBELITE_LOG (error|warn|info|debug), default info. Kept tiny on purpose: hot paths
 * must not format strings they will not print, so check `log.enabled('debug')` first.
 */

const levels = { error: 0, warn: 1, info: 2, debug: 3 } as const;
/** A log level name. */
export type Level = keyof typeof levels;

let threshold: number = levels[(process.env.KUBELITE_LOG as Level) ?? 'info'] ?? levels.info;

/** Sets the process-wide log level. */
export function setLogLevel(level: Level): void {
  threshold = levels[level];
}

function fmt(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  let s = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const val = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
    s += ` ${k}=${/\s/.test(val) ? JSON.stringify(val) : val}`;
  }
  return s;
}

/** A logger bound to one component name. */
export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  enabled(level: Level): boolean;
}

/** Returns a logger that prefixes every line with `component`. */
export function logger(component: string): Logger {
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (levels[level] > threshold) return;
    process.stderr.write(`${level.toUpperCase().padEnd(5)} ${new Date().toISOString()} ${component}: ${msg}${fmt(fields)}\n`);
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    enabled: (level) => levels[level] <= threshold,
  };
}
