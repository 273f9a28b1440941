import type { AppConfig } from '@app/config';
import type { Database } from '@app/persistence';
import type { DataKeys } from '@app/personal-data';
import type { Argument, Option } from 'commander';

/**
 * One operator command. `path` places it in the tree (`['platforms', 'keys', 'create']`; the groups
 * on the way are described in commands.ts); commander parses and validates its options and
 * arguments, so `run` starts only once the command line is known to be right. Adding a command is
 * one file exporting one of these, listed in commands.ts.
 */
export interface CliCommand<Options extends object = object> {
  readonly path: readonly string[];
  readonly description: string;
  readonly options?: readonly Option[];
  readonly arguments?: readonly Argument[];
  /** Prints its result with `context.printJson`; throws `CommandFailed` (or any error) to fail. */
  run(context: CommandContext, options: Options, args: unknown[]): Promise<void>;
}

/** What a command may use. Nothing is loaded or connected until a command asks for it. */
export interface CommandContext {
  /** The validated configuration, read from the environment on first use. */
  readonly config: AppConfig;
  /** The database, connected on first use and closed once the command has ended. */
  readonly database: Database;
  /** The end users' data keys, on the KEKs of DATA_KEK: for every reader of personal fields. */
  readonly dataKeys: DataKeys;
  /** The command's result: one JSON document on stdout, so scripts can pipe it into jq. */
  printJson(value: unknown): void;
  /** A line for the operator on stderr (progress, summaries), never mixed into the result. */
  note(line: string): void;
}

/** A failure the operator can act on (a platform that does not exist, ...): one line, exit code 1. */
export class CommandFailed extends Error {}
