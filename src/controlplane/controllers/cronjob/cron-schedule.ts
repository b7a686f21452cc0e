/**
 * CronJob schedules on the `cron-parser` library: standard five-field expressions and the @yearly/@annually/
 * @monthly/@weekly/@daily/@midnight/@hourly descriptors, evaluated in a time zone (`spec.timeZone`, or a
 * `CRON_TZ=`/`TZ=` prefix; UTC otherwise, as kube-controller-manager runs). Adds upstream's "most recent missed
 * start time" computation.
 */
import { CronExpressionParser } from 'cron-parser';

/** Upstream refuses to guess when more start times than this were missed. */
export const MAX_MISSED_START_TIMES = 100;

/** A parsed schedule. */
export interface CronSchedule {
  /** The first start time strictly after `t` (ms). */
  next(t: number): number;
  /** The latest start time at or before `t` (ms). */
  latest(t: number): number;
}

/** The result of {@link mostRecentScheduleTime}. */
export interface MissedStarts {
  /** The latest start time in (earliest, now], if any. */
  mostRecent?: number;
  /** True when more than {@link MAX_MISSED_START_TIMES} start times fall in that window. */
  tooMany: boolean;
  /** The next start time after `now`. */
  next: number;
}

/** True if `tz` is an IANA time zone name the runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses `schedule` in time zone `timeZone` (default UTC). Throws an Error naming the problem. */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  let expr = schedule.trim();
  let tz = timeZone || 'UTC';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (prefix) {
    tz = prefix[1];
    expr = prefix[2].trim();
  }
  if (!isValidTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
  // cron-parser knows every descriptor but @midnight, which robfig/cron (and so Kubernetes) treats as @daily.
  if (expr === '@midnight') expr = '@daily';
  if (!expr.startsWith('@') && expr.split(/\s+/).length !== 5) throw new Error(`expected exactly 5 fields, found ${expr.split(/\s+/).length}: ${expr}`);
  CronExpressionParser.parse(expr, { tz }); // throws on a bad expression
  return {
    next: (t) => CronExpressionParser.parse(expr, { tz, currentDate: new Date(t) }).next().getTime(),
    latest: (t) => CronExpressionParser.parse(expr, { tz, currentDate: new Date(t + 1) }).prev().getTime(),
  };
}

/**
 * The start times missed between `earliest` (exclusive) and `now` (inclusive), as upstream's
 * mostRecentScheduleTime: only the most recent one is ever run, and more than 100 of them is reported.
 */
export function mostRecentScheduleTime(sched: CronSchedule, earliest: number, now: number): MissedStarts {
  const first = sched.next(earliest);
  const next = sched.next(now);
  if (first > now) return { tooMany: false, next };
  let count = 0;
  for (let t = first; t <= now && count <= MAX_MISSED_START_TIMES; t = sched.next(t)) count++;
  return { mostRecent: sched.latest(now), tooMany: count > MAX_MISSED_START_TIMES, next };
}
