/**
 * A small, strict flag parser for the kubelite commands: `--name value`, `--name=value` and boolean `--name`.
 * Unknown flags, missing values and malformed numbers are errors that name the flag, and nothing starts.
 */

/** How one flag is read. */
export interface FlagSpec {
  type: 'string' | 'int' | 'bool' | 'list';
  default?: string | number | boolean | string[];
  help: string;
}

/** Parsed flag values by name. */
export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** A flag error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `argv` against `specs`. Positional arguments are returned in `args`. */
export function parseFlags(argv: string[], specs: Record<string, FlagSpec>): { flags: FlagValues; args: string[] } {
  const flags: FlagValues = {};
  for (const [name, spec] of Object.entries(specs)) flags[name] = spec.default;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag: --${name}`);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (spec.type === 'bool') {
      if (value === undefined) flags[name] = true;
      else if (value === 'true' || value === 'false') flags[name] = value === 'true';
      else throw new UsageError(`invalid value "${value}" for --${name}: expected true or false`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag needs a value: --${name}`);
    }
    if (spec.type === 'int') {
      if (!/^\d+$/.test(value)) throw new UsageError(`invalid value "${value}" for --${name}: expected a whole number`);
      flags[name] = Number(value);
    } else if (spec.type === 'list') {
      flags[name] = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else {
      flags[name] = value;
    }
  }
  return { flags, args };
}

/** Formats the flag list for `--help`. */
export function usage(command: string, specs: Record<string, FlagSpec>): string {
  const lines = [`Usage: kubelite ${command} [flags]`, '', 'Flags:'];
  for (const [name, spec] of Object.entries(specs)) {
    const def = spec.default === undefined || spec.default === '' ? '' : ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : spec.default})`;
    lines.push(`  --${name}${spec.type === 'bool' ? '' : ' ' + spec.type.toUpperCase()}`.padEnd(34) + spec.help + def);
  }
  return lines.join('\n');
}
