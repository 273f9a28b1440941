import { Logger } from '@nestjs/common';
import { Command, CommanderError } from 'commander';
import { CliCommand } from './cli-command';
import { CliIo, LazyCommandContext } from './command-context';
import { errorLine, oneLine, redact, secretsOf } from './error-output';
import { packageVersion } from './package-version';
import { StderrLogger } from './stderr-logger';

/** The CLI's exit codes (also in `--help` and the README). */
export const EXIT = {
  /** The command succeeded, or help or the version was asked for. */
  ok: 0,
  /** The command ran and failed: bad configuration, database or broker unreachable, a failed check. */
  failure: 1,
  /** The command line is wrong (unknown command or option, missing or invalid value); nothing ran. */
  usage: 2,
} as const;

const EXIT_CODES_HELP = `
Results are JSON on stdout; progress and errors go to stderr.

Exit codes:
  0  success (and help, --version)
  1  the command failed (configuration, database, broker, a failed check)
  2  usage error: unknown command or option, missing or invalid value`;

/** Runs one command line (without `node main.js`) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], commands: readonly CliCommand[], groups: Readonly<Record<string, string>>, io: CliIo): Promise<number> {
  const context = new LazyCommandContext(io);
  const libraryLog = new StderrLogger((line) => io.stderr(redact(line, secretsOf(io.env))));
  Logger.overrideLogger(libraryLog);
  try {
    const program = buildProgram(commands, groups, context, io);
    program.hook('preAction', () => {
      libraryLog.enabled = program.opts<{ verbose?: boolean }>().verbose === true;
    });
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // commander has printed its message (or the help) already.
    if (error instanceof CommanderError) return exitCodeOf(error);
    io.stderr(errorLine(error, io.env));
    return EXIT.failure;
  } finally {
    await context.close().catch(() => undefined);
  }
}

/**
 * The command tree: every command of `commands` under its groups (described in `groups`, keyed by
 * path: "platforms keys"), plus `help [command...]`. Settings given to the root before the
 * subcommands are made (output, exit override, strict arguments) are inherited by all of them.
 */
export function buildProgram(commands: readonly CliCommand[], groups: Readonly<Record<string, string>>, context: LazyCommandContext, io: CliIo): Command {
  const program = new Command('cli')
    .description('Operator commands of the End Users service.')
    .version(packageVersion(), '-V, --version', 'output the version number')
    .option('--verbose', "also print the libraries' warnings and errors (the broker client's retries) on stderr")
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`${oneLine(redact(text, secretsOf(io.env)))}\n`),
    })
    .exitOverride()
    .allowExcessArguments(false)
    .addHelpCommand(false)
    .addHelpText('after', EXIT_CODES_HELP);

  for (const definition of commands) {
    const parent = definition.path.slice(0, -1).reduce((node, _, depth) => group(node, definition.path.slice(0, depth + 1), groups), program);
    const command = parent.command(definition.path[definition.path.length - 1]).description(definition.description);
    definition.options?.forEach((option) => command.addOption(option));
    definition.arguments?.forEach((argument) => command.addArgument(argument));
    command.action(() => definition.run(context, command.opts(), command.processedArgs));
  }

  program
    .command('help')
    .argument('[command...]', 'a command, such as: platforms keys create')
    .description('display help for a command')
    .action((words: string[]) => helpTarget(program, words).outputHelp());
  return program;
}

function group(parent: Command, path: readonly string[], groups: Readonly<Record<string, string>>): Command {
  const name = path[path.length - 1];
  const existing = parent.commands.find((command) => command.name() === name);
  if (existing) return existing;
  const description = groups[path.join(' ')];
  if (description === undefined) throw new Error(`the command group "${path.join(' ')}" has no description in commands.ts`);
  return parent.command(name).description(description).addHelpCommand(false);
}

function helpTarget(program: Command, words: readonly string[]): Command {
  let target = program;
  for (const word of words) {
    const next = target.commands.find((command) => command.name() === word);
    if (!next) program.error(`error: unknown command '${words.join(' ')}'`, { exitCode: EXIT.usage, code: 'commander.unknownCommand' });
    target = next;
  }
  return target;
}

function exitCodeOf(error: CommanderError): number {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT.ok;
    case 'commander.help':
      // A group named without one of its commands: its help went to stderr, as a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    default:
      return EXIT.usage;
  }
}
