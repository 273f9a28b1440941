import { Logger } from '@nestjs/common';
import { InvalidArgumentError, Option } from 'commander';
import { CliCommand, CommandFailed } from './cli-command';
import { EXIT, runCli } from './cli-program';
import { CliIo } from './command-context';

/** The command tree, exit codes and error lines, with commands that touch nothing outside the process. */
describe('the CLI program', () => {
  const ran: string[] = [];
  const commands: CliCommand[] = [
    {
      path: ['things', 'make'],
      description: 'Make a thing',
      options: [
        new Option('--size <n>', 'Size').makeOptionMandatory().argParser((value: string) => {
          if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
          return Number(value);
        }),
      ],
      async run({ printJson }, options) {
        ran.push('make');
        new Logger('some-lib').warn({ retry: 1 }, 'retrying\n  once');
        printJson({ made: options });
      },
    },
    {
      path: ['things', 'parts', 'check'],
      description: 'Check the parts',
      async run({ config }) {
        ran.push(`check in ${config.NODE_ENV}`);
        throw new CommandFailed(`part 7 is missing\nand part 8`);
      },
    },
  ];
  const groups = { things: 'Work with things', 'things parts': 'Their parts' };

  async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env };
    const code = await runCli(argv, commands, groups, io);
    return { code, stdout, stderr };
  }

  beforeEach(() => (ran.length = 0));

  it.each([['--help'], ['-h'], ['help']])('prints the top-level help on stdout and exits 0 for %s', async (flag) => {
    const { code, stdout, stderr } = await run([flag]);
    expect({ code, stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    expect(stdout).toMatch(/^Usage: cli \[options\] \[command\]/);
    expect(stdout).toContain('things');
    expect(stdout).toContain('Exit codes:');
  });

  it('gives help for nested commands without loading the configuration', async () => {
    const bad = { PORT: 'eighty', DATABASE_URL: 'mysql://nope' };
    for (const argv of [
      ['things', 'parts', 'check', '--help'],
      ['help', 'things', 'parts', 'check'],
      ['things', 'make', '-h'],
    ]) {
      const { code, stdout } = await run(argv, bad);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toMatch(/^Usage: cli things /);
    }
    expect(ran).toEqual([]);
  });

  it('prints the version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['nope'], "error: unknown command 'nope'\n"],
    [['help', 'things', 'nope'], "error: unknown command 'things nope'\n"],
    [['things', 'make'], "error: required option '--size <n>' not specified\n"],
    [['things', 'make', '--size', 'big'], "error: option '--size <n>' argument 'big' is invalid. must be a whole number\n"],
    [['things', 'make', '--size', '1', '--colour', 'red'], "error: unknown option '--colour'\n"],
    [['things', 'make', '--size', '1', 'extra'], "error: too many arguments for 'make'. Expected 0 arguments but got 1.\n"],
    [['things', 'mak'], "error: unknown command 'mak' (Did you mean make?)\n"],
  ])('rejects %j as a usage error (exit 2) in one line, running nothing', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect({ code, stdout, stderr }).toEqual({ code: EXIT.usage, stdout: '', stderr: message });
    expect(ran).toEqual([]);
  });

  it('answers a group named without its command with its help on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await run(['things']);
    expect({ code, stdout }).toEqual({ code: EXIT.usage, stdout: '' });
    expect(stderr).toMatch(/^Usage: cli things /);
  });

  it('runs a command: its result on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await run(['things', 'make', '--size', '3']);
    expect({ code, stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ made: { size: 3 } });
  });

  it("prints the libraries' log lines only with --verbose, plain, on stderr", async () => {
    expect((await run(['things', 'make', '--size', '3'])).stderr).toBe('');
    for (const argv of [
      ['--verbose', 'things', 'make', '--size', '3'],
      ['things', 'make', '--size', '3', '--verbose'],
    ]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ code, stderr }).toEqual({ code: EXIT.ok, stderr: '[some-lib] warn: retrying once {"retry":1}\n' });
      expect(JSON.parse(stdout)).toEqual({ made: { size: 3 } });
    }
  });

  it('reports a failed command in one line, exit 1', async () => {
    const { code, stdout, stderr } = await run(['things', 'parts', 'check'], { NODE_ENV: 'test' });
    expect({ code, stdout, stderr }).toEqual({ code: EXIT.failure, stdout: '', stderr: 'error: part 7 is missing; and part 8\n' });
    expect(ran).toEqual(['check in test']);
  });

  it('reports a bad environment once a command needs it, without the secrets in it', async () => {
    const { code, stderr } = await run(['things', 'parts', 'check'], {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://admin:hunter2@db',
      MCP_CREDENTIALS_KEY: 'zz-not-a-key',
    });
    expect(code).toBe(EXIT.failure);
    expect(stderr).toMatch(/^error: Invalid configuration: .*PORT="eighty"/);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toContain('zz-not-a-key');
  });

  it('refuses a command group without a description (a mistake in commands.ts)', async () => {
    const orphan: CliCommand = { path: ['orphans', 'list'], description: 'List', run: async () => undefined };
    await expect(runCli(['--help'], [orphan], {}, { stdout: () => undefined, stderr: () => undefined, env: {} })).resolves.toBe(EXIT.failure);
  });
});
