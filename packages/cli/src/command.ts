import type { ParseArgsConfig } from 'node:util';

export interface CommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One subcommand: declared options and help, and what it does. Loaded only when invoked. */
export interface CommandModule {
  description: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: { min: number; max: number; names: string };
  run(values: OptionValues, positionals: string[], io: CommandIO): Promise<number>;
}
