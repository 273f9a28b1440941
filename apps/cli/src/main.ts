import { runCli } from './cli-program';
import { CliIo } from './command-context';
import { COMMAND_GROUPS, COMMANDS } from './commands';
import { errorLine } from './error-output';

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

// Whatever escapes a command (a library's stray rejection) still ends as one line and exit code 1.
const crash = (error: unknown) => {
  io.stderr(errorLine(error, io.env));
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

void runCli(process.argv.slice(2), COMMANDS, COMMAND_GROUPS, io).then((code) => {
  process.exitCode = code;
  // Everything is closed by now; a client library's leftover timer must not keep the operator waiting.
  setTimeout(() => process.exit(code), 5_000).unref();
});
