import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Middleware } from 'openapi-fetch';
import { uniqueId } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';
import { assertDocumented } from '../support/openapi-responses';
import { endUsersClient } from './typed-client/end-users-client';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TYPES = 'test/docs/typed-client/openapi.d.ts';
const CLIENT = 'test/docs/typed-client/end-users-client.ts';
/** Regenerates the committed types (redocly.yaml names the output: `x-openapi-ts`). */
export const REGENERATE = `npx openapi-typescript && npx prettier --write ${TYPES}`;

jest.setTimeout(120_000);

/** Compiles files with the project's TypeScript, strictly; resolves with tsc's output, or rejects with it. */
async function tsc(files: string[]): Promise<string> {
  const args = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node'];
  const { stdout } = await run(process.execPath, [require.resolve('typescript/bin/tsc'), ...args, ...files], { cwd: ROOT });
  return stdout;
}

/** Every response the typed client gets is checked against docs/openapi.json, like supertest's. */
const checked: Middleware = {
  async onResponse({ request, response }) {
    assertDocumented({
      method: request.method,
      url: request.url,
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      text: await response.clone().text(),
    });
    return undefined;
  },
};

describe('a typed client generated from docs/openapi.json (openapi-typescript + openapi-fetch)', () => {
  const e2e = useE2eFixture();
  const scratch = path.join(ROOT, '.cache', `typed-client-${process.pid}`);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(`has its types generated from the committed document (${REGENERATE})`, async () => {
    mkdirSync(scratch, { recursive: true });
    const fresh = path.join(scratch, 'openapi.d.ts');
    // Run where no redocly.yaml is, or openapi-typescript would write to the output configured there instead.
    const cli = path.join(path.dirname(require.resolve('openapi-typescript')), '..', 'bin', 'cli.js');
    await run(process.execPath, [cli, path.join(ROOT, 'docs/openapi.json'), '-o', fresh], { cwd: scratch });
    // Prettier's own CLI (its API loads plugins with import(), which Jest's module system refuses).
    const prettier = path.join(path.dirname(require.resolve('prettier/package.json')), 'bin', 'prettier.cjs');
    const expected = execFileSync(process.execPath, [prettier, '--stdin-filepath', TYPES], { cwd: ROOT, input: readFileSync(fresh), encoding: 'utf8' });
    if (readFileSync(path.join(ROOT, TYPES), 'utf8') !== expected) throw new Error(`${TYPES} is out of date: run ${REGENERATE}`);
  });

  it('compiles under strict TypeScript, and a call the document does not allow does not', async () => {
    await tsc([CLIENT]);
    mkdirSync(scratch, { recursive: true });
    const misuse = path.join(scratch, 'misuse.ts');
    writeFileSync(
      misuse,
      [
        `import createClient from 'openapi-fetch';`,
        `import type { paths } from '${path.relative(scratch, path.join(ROOT, TYPES)).replace(/\.d\.ts$/, '')}';`,
        `const client = createClient<paths>({ baseUrl: 'http://127.0.0.1' });`,
        `// No endUserId, is_active that is not a boolean, a page that is not a number:`,
        `void client.GET('/v1/platforms/{platformId}/end-users/{endUserId}', { params: { path: { platformId: 'p' } } });`,
        `void client.PATCH('/v1/platforms/{platformId}/end-users/{endUserId}', { params: { path: { platformId: 'p', endUserId: 'u' } }, body: { is_active: 'yes' } });`,
        `void client.GET('/v1/platforms/{platformId}/end-users', { params: { path: { platformId: 'p' }, query: { page: 'one' } } });`,
        '',
      ].join('\n'),
    );
    const failure = await tsc([misuse]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(failure.match(/error TS\d+/g)).toHaveLength(3);
    expect(failure).toMatch(/endUserId/);
    expect(failure).toMatch(/'string' is not assignable to type 'boolean \| undefined'/);
    expect(failure).toMatch(/'string' is not assignable to type 'number'/);
  });

  it('creates, reads, updates (conditionally) and lists end users on the running API', async () => {
    const { port } = e2e.api.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const withBudget = await e2e.client({ default_budget_usd: 25 });
    const plain = await e2e.client();
    const api = endUsersClient(baseUrl, withBudget.platform.key, checked);
    const platformId = withBudget.platform.id;

    const externalId = uniqueId('typed');
    const created = await api.create(platformId, { external_id: externalId, display_name: 'Jane Smith', metadata: { plan: 'pro' } }, uniqueId('idem'));
    expect(created.status).toBe(201);
    expect(created.data?.external_id).toBe(externalId);
    expect(created.data?.api_key.raw_key).toMatch(/^sk-eu_[0-9a-f]{64}$/);
    expect(created.data?.budget?.max_usd).toBe(25);
    expect(created.etag).toMatch(/^"[1-9][0-9]*"$/);
    const endUserId = created.data!.id;

    const withoutBudget = await endUsersClient(baseUrl, plain.platform.key, checked).create(plain.platform.id, { external_id: uniqueId('typed') });
    expect({ status: withoutBudget.status, budget: withoutBudget.data?.budget }).toEqual({ status: 201, budget: null });

    const read = await api.get(platformId, endUserId);
    expect(read.status).toBe(200);
    expect(read.data).toMatchObject({ id: endUserId, external_id: externalId, display_name: 'Jane Smith', metadata: { plan: 'pro' }, is_active: true });
    expect(read.etag).toBe(created.etag);

    const updated = await api.update(platformId, endUserId, { display_name: 'Jane Doe', is_active: false }, read.etag!);
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({ display_name: 'Jane Doe', is_active: false });
    expect(updated.etag).not.toBe(read.etag);

    const stale = await api.update(platformId, endUserId, { display_name: 'Too late' }, read.etag!);
    expect({ status: stale.status, code: stale.error?.error.code }).toEqual({ status: 412, code: 'precondition_failed' });

    const listed = await api.list(platformId, { external_id: externalId, page: 1, limit: 10 });
    expect(listed.status).toBe(200);
    expect(listed.data).toMatchObject({ total: 1, page: 1, limit: 10 });
    expect(listed.data?.data.map((user) => user.id)).toEqual([endUserId]);

    const missing = await api.get(platformId, '00000000-0000-4000-8000-000000000000');
    expect({ status: missing.status, code: missing.error?.error.code, requestId: missing.error?.error.request_id }).toEqual({
      status: 404,
      code: 'not_found',
      requestId: missing.requestId,
    });
  });
});
