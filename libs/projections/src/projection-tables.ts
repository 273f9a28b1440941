import { recordsJson, recordType, StreamProjection } from './read-models';
import type { ClientBase } from 'pg';

/** Names of the tables a rebuild works with; quoted identifiers are never built from user input. */
export function rebuildTableOf(projection: StreamProjection): string {
  return `${projection.table}__rebuild`;
}

export function retiredTableOf(projection: StreamProjection): string {
  return `${projection.table}__retired`;
}

/** Writes rows of rowsOf (in the projection's column order) with one statement; runs on the given connection. */
export async function insertRows(client: ClientBase, table: string, projection: StreamProjection, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(`INSERT INTO ${table} (${projection.columns.join(', ')}) SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${recordType(projection)})`, [
    recordsJson(projection, rows),
  ]);
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
