import { loadConfig } from '@app/config';
import { Database, sqlOfClient, Statement } from '@app/persistence';
import { randomUUID } from 'node:crypto';
import { insertRows } from './projection-tables';
import { END_USER_API_KEYS_PROJECTION, END_USERS_PROJECTION, withRowChanges } from './read-models';

/**
 * insertRows writes a rebuild's rows with COPY's text format; the API writes the same rows inline
 * through jsonb_to_recordset. Both must store every value alike, including the characters COPY
 * reads specially, or a rebuilt table would differ from the live one.
 */
describe('projection tables: rows written by COPY', () => {
  let db: Database;
  const at = '2026-02-03T04:05:06.789Z';
  const awkward = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', 'quote " and comma ,', 'brace {x}', 'ünïcødé ☃', ''];

  beforeAll(async () => {
    db = Database.connect({ ...loadConfig(), DB_POOL_MAX: 2 }, 'projection-tables-tests');
  });
  afterAll(() => db.close());

  const storedBothWays = async (projection: typeof END_USERS_PROJECTION, rows: unknown[][]) => {
    const { client, release } = await db.checkOut();
    try {
      await client.query('BEGIN');
      for (const table of ['copied', 'inline']) await client.query(`CREATE TEMP TABLE ${table} (LIKE ${projection.table} INCLUDING INDEXES) ON COMMIT DROP`);
      await insertRows(client, 'copied', projection, rows);
      const statement = new Statement();
      withRowChanges(statement, { ...projection, table: 'inline', derived: undefined }, { upserts: rows, removedKeys: [] });
      await statement.run(sqlOfClient(client), 'SELECT 1');
      const read = async (table: string) => (await client.query(`SELECT * FROM ${table} ORDER BY ${projection.key}`)).rows;
      const result = { copied: await read('copied'), inline: await read('inline') };
      await client.query('ROLLBACK');
      return result;
    } finally {
      release();
    }
  };

  it('stores text, JSON, nulls and booleans exactly as the inline write does', async () => {
    const rows = awkward.map((text, n) => [
      randomUUID(),
      randomUUID(),
      `external ${text}`,
      n % 2 === 0 ? text : null,
      { note: text, nested: { list: [text, null, true, 1.5] } },
      n % 3 !== 0,
      at,
      at,
      n + 1,
    ]);
    const { copied, inline } = await storedBothWays(END_USERS_PROJECTION, rows);
    expect(copied).toHaveLength(awkward.length);
    expect(copied).toEqual(inline);
    expect(copied.map((row) => row.display_name)).toEqual(expect.arrayContaining(awkward.filter((_, n) => n % 2 === 0)));
    expect(copied.map((row) => row.metadata.note).sort()).toEqual([...awkward].sort());
  });

  it('stores text arrays and null timestamps exactly as the inline write does', async () => {
    const rows = awkward.map((text) => [randomUUID(), randomUUID(), randomUUID(), 'sk-eu_ab', `key ${text}`, [text, 'inference', text], true, null, null, at]);
    const { copied, inline } = await storedBothWays(END_USER_API_KEYS_PROJECTION, rows);
    expect(copied).toHaveLength(awkward.length);
    expect(copied).toEqual(inline);
    expect(
      copied
        .flatMap((row) => row.scopes)
        .filter((scope: string) => scope !== 'inference')
        .sort(),
    ).toEqual([...awkward, ...awkward].sort());
  });
});
