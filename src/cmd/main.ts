/**
 * The kubelite command dispatcher: `kubelite <command> [flags]`.
 */
import { serverCommand } from './server.js';
import { UsageError } from './flags.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  server: { run: serverCommand, help: 'Run the control plane: API server, scheduler, controller manager, cluster DNS' },
  agent: { run: async (argv) => (await import('./agent.js')).agentCommand(argv), help: 'Run a node agent (today only --simulate N: kwok-like nodes for scale tests)' },
  up: { run: async (argv) => (await import('./up.js')).upCommand(argv), help: 'Run a whole cluster on this machine: control plane and a node (what `npm start` runs)' },
  images: { run: async (argv) => (await import('./images.js')).imagesCommand(argv), help: 'Import image archives into a node\'s runtime offline, or list its images' },
};

function help(): string {
  return ['Usage: kubelite <command> [flags]', '', 'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.help}`), '', 'Run `kubelite <command> --help` for its flags.'].join('\n');
}

/** Runs the command line; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === 'version' || name === '--version') {
    const { KUBERNETES_VERSION } = await import('../controlplane/apiserver/discovery.js');
    console.log(`kubelite ${KUBERNETES_VERSION.gitVersion}`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`kubelite: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`kubelite ${name}: ${err.message}\nRun \`kubelite ${name} --help\` for usage.`);
      return 2;
    }
    console.error(`kubelite ${name}: ${(err as Error).message}`);
    return 1;
  }
}
