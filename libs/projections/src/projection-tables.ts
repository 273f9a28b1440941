import { StreamProjection } from './read-models';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Names of the tables a rebuild works with; quoted identifiers are never built from user input. */
export function rebuildTableOf(projection: StreamProjection): string {
  return `${projection.table}__rebuild`;
}

export function retiredTableOf(projection: StreamProjection): string {
  return `${projection.table}__retired`;
}

/**
 * Writes rows of rowsOf (in the projection's column order) with one COPY, the cheapest way into a
 * table for the database and for this process; runs on the given connection.
 */
export async function insertRows(client: ClientBase, table: string, projection: StreamProjection, rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const copy = client.query(copyFrom(`COPY ${table} (${projection.columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([copyText(projection, rows)]), copy);
}

/** Rows in COPY's text format: a tab between fields, a newline after each row, \N for null. */
export function copyText(projection: StreamProjection, rows: readonly unknown[][]): string {
  const encoders = projection.types.map(encoderOf);
  let text = '';
  for (const row of rows) {
    for (let column = 0; column < row.length; column++) {
      const value = row[column];
      if (column > 0) text += '\t';
      text += value === null || value === undefined ? '\\N' : escapeCopyField(encoders[column](value));
    }
    text += '\n';
  }
  return text;
}

/** How a value of rowsOf is written as the text of a column of this SQL type. */
function encoderOf(type: string): (value: unknown) => string {
  if (type === 'jsonb' || type === 'json') return (value) => JSON.stringify(value);
  if (type === 'boolean') return (value) => (value ? 't' : 'f');
  if (type.endsWith('[]')) return (value) => arrayLiteral(value as readonly unknown[]);
  return (value) => {
    if (typeof value === 'object') throw new Error(`a ${type} column cannot hold ${JSON.stringify(value)}`);
    return String(value);
  };
}

/** An array literal with every element quoted: {"a","b \"c\""}. */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${String(value).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_SPECIAL_ANYWHERE = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A field's text with the characters COPY's text format reads specially escaped. */
function escapeCopyField(text: string): string {
  return COPY_SPECIAL_ANYWHERE.test(text) ? text.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]) : text;
}

/** An empty copy of the live table's columns and checks, without indexes (they are built after the bulk load). */
export async function createEmptyCopy(client: ClientBase, projection: StreamProjection, table: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (LIKE ${projection.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
}

interface IndexDefinition {
  name: string;
  constraintDefinition: string | null;
  indexDefinition: string;
}

async function indexesOf(client: ClientBase, table: string): Promise<IndexDefinition[]> {
  const { rows } = await client.query<{ name: string; constraint_definition: string | null; index_definition: string }>(
    `SELECT i.relname AS name, pg_get_constraintdef(c.oid) AS constraint_definition, pg_get_indexdef(i.oid) AS index_definition
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = $1::regclass
     ORDER BY i.relname`,
    [table],
  );
  return rows.map((row) => ({ name: row.name, constraintDefinition: row.constraint_definition, indexDefinition: row.index_definition }));
}

/** Gives `target` the live table's primary key, unique constraints and indexes, named `<live name>__rebuild`. */
export async function copyIndexes(client: ClientBase, projection: StreamProjection, target: string): Promise<void> {
  for (const index of await indexesOf(client, projection.table)) {
    const name = `${index.name}__rebuild`;
    if (index.constraintDefinition) {
      await client.query(`ALTER TABLE ${target} ADD CONSTRAINT ${name} ${index.constraintDefinition}`);
    } else {
      const definition = index.indexDefinition.replace(
        /^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+/,
        (_, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX ${name} ON ${target}`,
      );
      await client.query(definition);
    }
  }
}

/**
 * Puts `target` in the live table's place: the live table and its indexes are renamed to the
 * retired names, the rebuilt ones take the live names. Runs in the caller's transaction, which
 * holds the ACCESS EXCLUSIVE lock on the live table.
 */
export async function swapIn(client: ClientBase, projection: StreamProjection, target: string): Promise<void> {
  const retired = retiredTableOf(projection);
  const liveIndexes = await indexesOf(client, projection.table);
  const rebuiltIndexes = await indexesOf(client, target);
  await client.query(`ALTER TABLE ${projection.table} RENAME TO ${retired}`);
  for (const index of liveIndexes) await renameIndex(client, retired, index, `${index.name}__retired`);
  await client.query(`ALTER TABLE ${target} RENAME TO ${projection.table}`);
  for (const index of rebuiltIndexes) await renameIndex(client, projection.table, index, index.name.replace(/__rebuild$/, ''));
}

async function renameIndex(client: ClientBase, table: string, index: IndexDefinition, to: string): Promise<void> {
  if (index.constraintDefinition) await client.query(`ALTER TABLE ${table} RENAME CONSTRAINT ${index.name} TO ${to}`);
  else await client.query(`ALTER INDEX ${index.name} RENAME TO ${to}`);
}

/** Row count and an order-independent checksum of every row's text. */
export async function tableChecksum(client: ClientBase, table: string): Promise<{ rows: number; checksum: string }> {
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*) AS rows, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text AS checksum FROM ${table} t`,
  );
  return { rows: Number(rows[0].rows), checksum: `${rows[0].rows}:${rows[0].checksum}` };
}
