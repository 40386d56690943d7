import { DeepLensError } from '@deeplens/core';
import { parseArgs } from 'node:util';
import { didYouMean } from '@deeplens/trainer';
import type { CommandIO, CommandModule } from './command.js';
import { EXIT, isUserError, UsageError } from './errors.js';

export const VERSION = '0.1.0';

/** Subcommands, loaded only when invoked. */
export type CommandTable = Readonly<Record<string, { description: string; load: () => Promise<{ default: CommandModule }> }>>;

export const COMMANDS: CommandTable = {
  train: { description: 'train a sparse autoencoder on activation files', load: () => import('./commands/train.js') },
  extract: { description: "extract a model's activations at one site into shards for training", load: () => import('./commands/extract.js') },
  eval: { description: 'evaluate a trained SAE on activations, or inside the model (CE loss recovered)', load: () => import('./commands/eval.js') },
  report: { description: 'write an HTML feature report for a trained SAE (or each SAE of a sweep)', load: () => import('./commands/report.js') },
  info: { description: 'show what an activation file, model file or run folder holds', load: () => import('./commands/info.js') },
  sweep: { description: 'run a sweep across machines on a job queue: submit, status, results, manifest --k8s', load: () => import('./commands/sweep.js') },
  worker: { description: 'train SAEs from a sweep job queue (BullMQ on Redis) until stopped', load: () => import('./commands/worker.js') },
  export: { description: "export a trained SAE to SAELens's layout", load: () => import('./commands/export.js') },
  backends: { description: 'list compute backends and whether they work here', load: () => import('./commands/backends.js') },
  demo: { description: 'train a small SAE on the bundled demo activations', load: () => import('./commands/demo.js') },
  'wandb-sync': { description: 'upload an offline W&B run', load: () => import('./commands/wandb-sync.js') },
};

const overview = (commands: CommandTable) =>
  [
    `deeplens ${VERSION} — train sparse autoencoders on neural-network activations`,
    '',
    'Usage: deeplens <command> [options]    (deeplens <command> --help for its options)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.description}`),
    '',
    'Exit codes: 0 success, 1 user error (bad flag, config, file or data), 2 internal error (please report),',
    '            130 training interrupted after saving its state (continue with --resume).',
  ].join('\n');

export async function main(argv: readonly string[], io: CommandIO, commands: CommandTable = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(overview(commands));
      return name ? EXIT.ok : EXIT.user;
    }
    if (name === '--version' || name === '-v') {
      io.out(VERSION);
      return EXIT.ok;
    }
    const entry = commands[name];
    if (!entry) {
      const guess = didYouMean(name, Object.keys(commands));
      throw new UsageError(`unknown command '${name}'`, guess ? `did you mean 'deeplens ${guess}'?` : `commands: ${Object.keys(commands).join(', ')}`);
    }
    const cmd = (await entry.load()).default;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(cmd.usage);
      return EXIT.ok;
    }
    const { values, positionals } = parseCommandArgs(name, cmd, rest);
    return await cmd.run(values, positionals, io);
  } catch (error) {
    // A command asked for --json answers in JSON on stdout also when it fails (the message goes to stderr too).
    if (rest.includes('--json')) {
      const e = error as { code?: unknown; message?: unknown; hint?: unknown };
      const user = isUserError(error);
      io.out(JSON.stringify({ error: { code: user ? e.code : internalCode(error), message: user ? String(e.message).split('\n')[0] : String(e.message), hint: user ? (e.hint ?? null) : null, exit_code: user ? EXIT.user : EXIT.internal } }));
    }
    if (isUserError(error)) {
      io.err(`error: ${error.message}`);
      return EXIT.user;
    }
    io.err(`internal error: ${(error as Error)?.stack ?? String(error)}`);
    io.err('This is a bug in DeepLens TS. Please report it with the command you ran and the output above.');
    return EXIT.internal;
  }
}

/**
 * `--lr -1e-3` means the value -1e-3, not a flag named 1e-3: join a negative number to the string
 * option before it (`--lr=-1e-3`), which parseArgs would otherwise reject as ambiguous.
 */
export function joinNegativeValues(args: readonly string[], options: CommandModule['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const flag = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (flag !== undefined && options[flag]?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf\b)/i.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function parseCommandArgs(name: string, cmd: CommandModule, rawArgs: string[]) {
  const args = joinNegativeValues(rawArgs, cmd.options);
  let parsed;
  try {
    parsed = parseArgs({ args, options: cmd.options, allowPositionals: cmd.positionals !== undefined, strict: true });
  } catch (error) {
    const e = error as { code?: string; message: string };
    const flag = /'(-{1,2}[^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      const guess = didYouMean(flag.replace(/^-+/, ''), Object.keys(cmd.options));
      throw new UsageError(`unknown option ${flag} for 'deeplens ${name}'`, guess ? `did you mean --${guess}?` : `see deeplens ${name} --help`);
    }
    throw new UsageError(`${e.message.split('\n')[0]} (deeplens ${name})`, `see deeplens ${name} --help`);
  }
  const { values, positionals } = parsed;
  if (cmd.positionals && (positionals.length < cmd.positionals.min || positionals.length > cmd.positionals.max)) {
    throw new UsageError(`deeplens ${name} takes ${cmd.positionals.names}`, `see deeplens ${name} --help`);
  }
  return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
}

/** The code of an internal error in --json output: its own when typed (e.g. DEEPLENS_SHAPE_MISMATCH), else DEEPLENS_INTERNAL. */
function internalCode(error: unknown): string {
  return error instanceof DeepLensError ? error.code : 'DEEPLENS_INTERNAL';
}
