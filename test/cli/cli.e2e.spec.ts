import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { testTopic, TopicTap } from '../support/kafka';
import { CliRun, documentedCliLines, runBuiltCli, UNREACHABLE_DATABASE } from './built-cli';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RAW_PLATFORM_KEY = /^sk-plat_[0-9a-f]{64}$/;
/** The commands the README shows, each of which this suite runs. */
const README_COMMANDS = [
  ['platforms', 'create'],
  ['platforms', 'keys', 'create'],
  ['projections', 'rebuild'],
  ['projections', 'status'],
  ['events', 'republish'],
  // Run by data-keys-rewrap.e2e.spec.ts, on a database of its own: it rewraps every key of the table.
  ['data-keys', 'rewrap'],
  // Run by test/operations/seal-legacy-events.e2e.spec.ts, on a database of its own: it seals every legacy stream.
  ['data-keys', 'seal-legacy'],
];
/** Help and usage errors must not need a database, nor even a valid environment; colours are never used. */
const NO_DATABASE = { ...UNREACHABLE_DATABASE, PORT: 'eighty', FORCE_COLOR: '1' };
const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

function expectOnePlainErrorLine(run: CliRun): void {
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).not.toContain('\u001b[');
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(run.stderr).not.toContain('s3cret-pw');
}

/** The built operator CLI, run as a child process for every command the README shows. */
describe('operator CLI (built, as a process)', () => {
  describe('help, version and usage errors, with no database', () => {
    it.each([['--help'], ['-h'], ['help']])(
      '`%s` prints the commands and the exit codes on stdout, exit 0',
      async (flag) => {
        const run = await runBuiltCli([flag], NO_DATABASE);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        expect(run.stdout).toMatch(/^Usage: cli \[options\] \[command\]/);
        for (const group of ['platforms', 'projections', 'events', 'help']) expect(run.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
        expect(run.stdout).toContain('Exit codes:');
      },
      60_000,
    );

    it('gives help for each command and group, as `<command> --help` and as `help <command>`', async () => {
      // `help <command>` of each README command is run by the README test below.
      const argvs = [...README_COMMANDS.map((words) => [...words, '--help']), ['projections', '--help'], ['help', 'platforms', 'keys']];
      const runs = await Promise.all(argvs.map((args) => runBuiltCli(args, NO_DATABASE)));
      runs.forEach((run, i) => {
        const words = argvs[i].filter((word) => word !== 'help' && word !== '--help');
        expect({ words, code: run.code, stderr: run.stderr }).toEqual({ words, code: 0, stderr: '' });
        expect(run.stdout).toMatch(new RegExp(`^Usage: cli ${words.join(' ')} \\[options\\]`));
      });
      const keysCreate = runs[1];
      expect(keysCreate.stdout).toContain('--platform <id>');
      expect(keysCreate.stdout).toContain('--name <name>');
    }, 120_000);

    it('`--version` prints the version of package.json, exit 0', async () => {
      expect(await runBuiltCli(['--version'], NO_DATABASE)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
      expect(await runBuiltCli(['-V'], NO_DATABASE)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    }, 60_000);

    // The unit spec of the program covers the rest (suggestions, excess arguments, `help` of an unknown command).
    it('rejects a wrong command line with one plain line on stderr, exit 2, touching nothing', async () => {
      const cases: [string[], string | RegExp][] = [
        [['nope'], "error: unknown command 'nope'\n"],
        [['projections', 'status', '--bogus'], "error: unknown option '--bogus'\n"],
        [['platforms', 'keys', 'create'], "error: required option '--platform <id>' not specified\n"],
        [['platforms', 'keys', 'create', '--platform', 'acme'], "error: option '--platform <id>' argument 'acme' is invalid. must be a platform id (UUID)\n"],
        [['platforms', 'create'], "error: required option '--name <name>' not specified\n"],
        [['platforms', 'create', '--name', 'Acme', '--default-budget-usd', 'lots'], /^error: option '--default-budget-usd <usd>' argument 'lots' is invalid/],
        [
          ['projections', 'rebuild', '--projection', 'nope'],
          /^error: option '--projection <name>' argument 'nope' is invalid\. Allowed choices are end_users, end_user_api_keys/,
        ],
        [['projections', 'rebuild', '--parallel', '0'], /^error: option '--parallel <threads>' argument '0' is invalid\. must be a whole number from 1 to 16/],
        [['events', 'republish'], "error: required option '--from-position <n>' not specified\n"],
        [['events', 'republish', '--from-position', 'first'], /^error: option '--from-position <n>' argument 'first' is invalid/],
        [['events', 'republish', '--from-position', '1', '--end-user', 'bob'], /^error: option '--end-user <id>' argument 'bob' is invalid/],
      ];
      const runs = await Promise.all(cases.map(([args]) => runBuiltCli(args, NO_DATABASE)));
      runs.forEach((run, i) => {
        const [args, message] = cases[i];
        expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
        if (typeof message === 'string') expect(run.stderr).toBe(message);
        else expect(run.stderr).toMatch(message);
        expectOnePlainErrorLine(run);
      });
    }, 120_000);

    it('answers a group or no command at all with the help on stderr, exit 2', async () => {
      for (const args of [[], ['platforms', 'keys']]) {
        const run = await runBuiltCli(args, NO_DATABASE);
        expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
        expect(run.stderr).toMatch(/^Usage: cli /);
      }
    }, 60_000);
  });

  describe('failures at run time: one plain line, exit 1, no secret', () => {
    it('an unreachable database', async () => {
      const run = await runBuiltCli(['projections', 'status'], { ...UNREACHABLE_DATABASE, FORCE_COLOR: '1' });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/^error: .*ECONNREFUSED/);
      expectOnePlainErrorLine(run);
    }, 60_000);

    it("an unreachable broker, without the client's retries (those are for --verbose)", async () => {
      const run = await runBuiltCli(['events', 'republish', '--from-position', '1'], { KAFKA_BROKERS: '127.0.0.1:1', FORCE_COLOR: '1' });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/^error: .*ECONNREFUSED 127\.0\.0\.1:1/);
      expectOnePlainErrorLine(run);
    }, 60_000);

    it('a bad environment, named without the values of its secrets', async () => {
      const run = await runBuiltCli(['projections', 'status'], {
        DATABASE_URL: 'mysql://operator:s3cret-pw@db/end_users',
        MCP_CREDENTIALS_KEY: 's3cret-pw-as-a-bad-key',
        PORT: 'eighty',
      });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/^error: Invalid configuration: .*DATABASE_URL.*PORT="eighty"/);
      expectOnePlainErrorLine(run);
    }, 60_000);

    it('a platform that does not exist', async () => {
      const missing = randomUUID();
      const run = await runBuiltCli(['platforms', 'keys', 'create', '--platform', missing]);
      expect(run).toEqual({ code: 1, stdout: '', stderr: `error: platform ${missing} does not exist\n` });
    }, 60_000);
  });

  describe('the commands, against the test database and broker', () => {
    let api: RunningApi;
    let platform: { id: string; key: string };
    let endUserId: string;

    beforeAll(async () => {
      api = await startApi();
    }, 60_000);
    afterAll(async () => {
      await api?.close();
    });

    it('platforms create: prints the platform and its first key, which works against the API', async () => {
      const name = `CLI platform ${randomUUID()}`;
      const run = await runBuiltCli(['platforms', 'create', '--name', name, '--default-budget-usd', '25']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const printed = JSON.parse(run.stdout) as { platform: { id: string }; api_key: { raw_key: string } };
      expect(Object.keys(printed)).toEqual(['platform', 'api_key']);
      expect(printed.platform).toEqual(expect.objectContaining({ id: expect.stringMatching(UUID), name, settings: { default_budget_usd: 25 } }));
      expect(printed.api_key).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(UUID),
          platform_id: printed.platform.id,
          is_active: true,
          raw_key: expect.stringMatching(RAW_PLATFORM_KEY),
        }),
      );
      platform = { id: printed.platform.id, key: printed.api_key.raw_key };

      const created = await request(api.server)
        .post(`/v1/platforms/${platform.id}/end-users`)
        .set(bearer(platform.key))
        .send({ external_id: `cli-${randomUUID()}` });
      expect(created.status).toBe(201);
      endUserId = created.body.id;
    }, 60_000);

    it('platforms keys create --platform ID (as the README shows it): prints a second key that works', async () => {
      const run = await runBuiltCli(['platforms', 'keys', 'create', '--platform', platform.id]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const printed = JSON.parse(run.stdout) as { api_key: { raw_key: string } };
      expect(Object.keys(printed)).toEqual(['api_key']);
      expect(printed.api_key).toEqual(
        expect.objectContaining({ platform_id: platform.id, name: 'Platform key', is_active: true, raw_key: expect.stringMatching(RAW_PLATFORM_KEY) }),
      );
      expect(printed.api_key.raw_key).not.toBe(platform.key);
      await request(api.server).get(`/v1/platforms/${platform.id}/end-users/${endUserId}`).set(bearer(printed.api_key.raw_key)).expect(200);

      const named = await runBuiltCli(['platforms', 'keys', 'create', '--platform', platform.id.toUpperCase(), '--name', 'CI key']);
      expect(named.code).toBe(0);
      expect(JSON.parse(named.stdout)).toEqual({ api_key: expect.objectContaining({ platform_id: platform.id, name: 'CI key' }) });
    }, 60_000);

    it('projections rebuild: rebuilds every projection, verified; progress on stderr, the result on stdout', async () => {
      const run = await runBuiltCli(['projections', 'rebuild']);
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout) as { rebuilt: { projection: string; verification: { matches: boolean } }[] };
      expect(printed.rebuilt.map((result) => result.projection)).toEqual(['end_users', 'end_user_api_keys']);
      for (const result of printed.rebuilt) {
        expect(result).toEqual(
          expect.objectContaining({ eventsApplied: expect.any(Number), rowsWritten: expect.any(Number), headPosition: expect.stringMatching(/^\d+$/) }),
        );
        expect(result.verification).toEqual(expect.objectContaining({ matches: true }));
      }
      expect(run.stderr).toMatch(/^rebuilt end_users: \d+ events, \d+ rows, .*checksum matches$/m);
      expect(run.stderr).toMatch(/^rebuilt end_user_api_keys: \d+ events, \d+ rows, .*checksum matches$/m);
      expect(run.stderr).not.toMatch(/^error/m);
    }, 120_000);

    it('projections status: each projection with its head position, rows and lag', async () => {
      const run = await runBuiltCli(['projections', 'status']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const printed = JSON.parse(run.stdout) as { projections: { projection: string }[] };
      expect(Object.keys(printed)).toEqual(['projections']);
      expect(printed.projections.map((status) => status.projection)).toEqual(['end_users', 'end_user_api_keys']);
      for (const status of printed.projections) {
        expect(status).toEqual(
          expect.objectContaining({ headPosition: expect.stringMatching(/^\d+$/), rows: expect.any(Number), streamsBehind: expect.any(Number) }),
        );
      }
    }, 60_000);

    it("events republish --from-position 1 --end-user ID: publishes the user's events again, as replays", async () => {
      const tap = await TopicTap.open([testTopic()], 'cli-republish');
      try {
        const run = await runBuiltCli(['events', 'republish', '--from-position', '1', '--end-user', endUserId]);
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ topic: testTopic(), republished: 1 });
        expect(run.stderr).toMatch(/^republished 1 events \(up to position \d+\)\n$/);
        const [replay] = await tap.waitFor((message) => message.key === endUserId && message.headers.replay === 'true');
        expect(replay.headers.event_type).toBe('end_user.created');
      } finally {
        await tap.close();
      }
    }, 60_000);
  });

  it('every CLI line of the README and docs is a command run above, with options that exist', async () => {
    const lines = documentedCliLines();
    // A command the README gains must be run by this suite too (add it to README_COMMANDS and a test).
    expect(new Set(lines.map(({ command }) => command.join(' ')))).toEqual(new Set(README_COMMANDS.map((words) => words.join(' '))));
    const helps = await Promise.all(lines.map(({ command }) => runBuiltCli(['help', ...command], NO_DATABASE)));
    lines.forEach(({ line, options }, i) => {
      expect({ line, code: helps[i].code }).toEqual({ line, code: 0 });
      for (const option of options) expect({ line, option, listed: helps[i].stdout.includes(`  ${option} `) }).toEqual({ line, option, listed: true });
    });
  }, 120_000);
});
