import { sqlOfPool } from '@app/persistence';
import { DataKeys } from '@app/personal-data';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Pool } from 'pg';
import { sleep } from './env';
import { HttpAnswer, NetworkError, Op, OpKind, sendJson } from './load';

/**
 * Marked end users for erasure scenarios: every personal field holds its own unique marker
 * (`zq<12 hex>-<field>`), so a scan of the database (or a file, or a log) can tell whose data,
 * and which field, is still readable anywhere.
 */
export const FIELDS = {
  x: 'external_id',
  n: 'display_name at create',
  m: 'metadata at create',
  c: 'MCP credentials',
  p: 'display_name of the PATCH',
  q: 'metadata of the PATCH',
} as const;
export type Field = keyof typeof FIELDS;
const MARKED = /zq[0-9a-f]{12}-[xnmcpq]/g;

export interface MarkedUser {
  marker: string;
  id: string;
  /** The Idempotency-Keys of its requests before the DELETE (create, MCP connection, PATCH) that had one. */
  keys: string[];
}

export const markerOf = (user: MarkedUser, field: Field) => `${user.marker}-${field}`;

/**
 * A careful client of the API, for requests a scenario aims its faults at: one request is one Op
 * (as the load records them, so the checker sees them), with or without an Idempotency-Key (a
 * request without one still has an id, `nokey-<uuid>`, which prefixes its X-Request-Ids, so the
 * checker can tell its attempts apart). A fresh connection per attempt: an idle keep-alive
 * connection closed by the server can never pass for a fault.
 */
export class ApiClient {
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(
    public port: number,
    private readonly platform: { id: string; key: string },
    private readonly label: string,
    /** Where the Ops the checker should see are recorded (the scenario's extraOps). */
    private readonly recorded: Op[],
  ) {}

  get base(): string {
    return `/v1/platforms/${this.platform.id}`;
  }

  /** A new request (Op), recorded for the checker unless `record` is false. */
  op(spec: {
    kind: OpKind;
    method: Op['method'];
    path: string;
    externalId: string;
    body?: Record<string, unknown>;
    keyed: boolean;
    endUserId?: string;
    record?: boolean;
  }): Op {
    const key = randomUUID();
    const op: Op = {
      kind: spec.kind,
      load: this.label,
      externalId: spec.externalId,
      endUserId: spec.endUserId,
      idempotencyKey: spec.keyed ? key : `nokey-${key}`,
      method: spec.method,
      path: spec.path,
      body: spec.body,
      headers: spec.keyed ? { 'Idempotency-Key': key } : undefined,
      attempts: [],
      outcome: 'pending',
      startedAt: Date.now(),
    };
    if (spec.record !== false) this.recorded.push(op);
    return op;
  }

  /** One HTTP attempt of `op`, recorded on it; null when no answer came (the connection died). */
  async sendOnce(op: Op, timeoutMs = 10_000): Promise<HttpAnswer | null> {
    const requestId = `${op.idempotencyKey}.${op.attempts.length + 1}`;
    const attempt: Op['attempts'][number] = { at: Date.now(), ms: 0, status: null, requestId, replayed: false };
    op.attempts.push(attempt);
    try {
      const answer = await sendJson(
        this.agent,
        this.port,
        op.method,
        op.path,
        { ...op.headers, Authorization: `Bearer ${this.platform.key}`, 'X-Request-Id': requestId },
        op.body,
        timeoutMs,
      );
      attempt.status = answer.status;
      attempt.replayed = answer.headers['idempotent-replayed'] === 'true';
      if (answer.status >= 400) attempt.errorCode = answer.body?.error?.code;
      return answer;
    } catch (error) {
      attempt.network = error instanceof NetworkError ? error.code : String(error);
      return null;
    } finally {
      attempt.ms = Date.now() - attempt.at;
    }
  }

  /**
   * Sends (or goes on sending) `op` the way the API asks clients to: a dead connection, a 5xx and
   * the 409 "still in progress" are retried with backoff, with the same Idempotency-Key if it has
   * one, until an answer for good; any other answer is final.
   */
  async untilAnswered(op: Op, giveUpAfterMs = 90_000): Promise<Op> {
    const giveUpAt = Date.now() + giveUpAfterMs;
    for (;;) {
      if (op.attempts.length > 0) await sleep(Math.min(2_000, 50 * 2 ** Math.min(op.attempts.length, 6)) * (0.5 + Math.random() / 2));
      const answer = await this.sendOnce(op);
      const retry = !answer || answer.status >= 500 || (answer.status === 409 && answer.body?.error?.code === 'conflict');
      if (answer && !retry) {
        op.outcome = answer.status < 300 ? 'acked' : 'rejected';
        op.status = answer.status;
        op.response = answer.body;
        if (op.kind === 'create' && answer.body?.id) op.endUserId = answer.body.id;
        op.endedAt = Date.now();
        return op;
      }
      if (Date.now() >= giveUpAt) {
        op.outcome = 'gave_up';
        op.endedAt = Date.now();
        return op;
      }
    }
  }

  get(urlPath: string): Promise<HttpAnswer> {
    return sendJson(this.agent, this.port, 'GET', urlPath, { Authorization: `Bearer ${this.platform.key}` }, undefined, 10_000);
  }

  /**
   * A user with a marker in every personal field: created (external id, display name, metadata),
   * given an MCP connection (credentials) and PATCHed (display name, metadata); each request with
   * an Idempotency-Key or without, as `keyed` says. Throws unless every step succeeded.
   */
  async createMarkedUser(keyed: { create: boolean; mcp: boolean; patch: boolean }): Promise<MarkedUser> {
    const marker = `zq${randomBytes(6).toString('hex')}`;
    const body = {
      external_id: `${marker}-x`,
      display_name: `${marker}-n`,
      metadata: { note: `${marker}-m`, contact: { email: `${marker}-m@example.test` } },
    };
    const create = await this.untilAnswered(
      this.op({ kind: 'create', method: 'POST', path: `${this.base}/end-users`, externalId: body.external_id, body, keyed: keyed.create }),
    );
    if (create.status !== 201) throw new Error(`create of ${body.external_id} answered ${create.status ?? create.outcome}`);
    const id: string = create.response.id;
    const user: MarkedUser = { marker, id, keys: keyed.create ? [create.idempotencyKey] : [] };
    // Not an end-user write the checker knows of: sent the same way, but not recorded for it.
    const mcp = await this.untilAnswered(
      this.op({
        kind: 'create',
        method: 'POST',
        path: `${this.base}/end-users/${id}/mcp-connections`,
        externalId: body.external_id,
        body: { app: 'github', credentials: { token: `${marker}-c` } },
        keyed: keyed.mcp,
        record: false,
      }),
    );
    if (mcp.status !== 201) throw new Error(`MCP connection of ${id} answered ${mcp.status ?? mcp.outcome}`);
    if (keyed.mcp) user.keys.push(mcp.idempotencyKey);
    const patch = await this.untilAnswered(
      this.op({
        kind: 'update',
        method: 'PATCH',
        path: `${this.base}/end-users/${id}`,
        externalId: body.external_id,
        body: { display_name: `${marker}-p`, metadata: { note: `${marker}-q` } },
        keyed: keyed.patch,
        endUserId: id,
      }),
    );
    if (patch.status !== 200) throw new Error(`PATCH of ${id} answered ${patch.status ?? patch.outcome}`);
    if (keyed.patch) user.keys.push(patch.idempotencyKey);
    return user;
  }

  /** What is wrong with a user that must be fully readable: through the API, and its credentials with its data key. */
  async readableProblems(user: MarkedUser, pool: Pool, dataKeys: DataKeys): Promise<string[]> {
    const problems: string[] = [];
    const read = await this.get(`${this.base}/end-users/${user.id}`);
    const expected = { external_id: markerOf(user, 'x'), display_name: markerOf(user, 'p'), note: markerOf(user, 'q') };
    const seen = { external_id: read.body?.external_id, display_name: read.body?.display_name, note: read.body?.metadata?.note };
    if (read.status !== 200 || JSON.stringify(seen) !== JSON.stringify(expected))
      problems.push(`${user.id}: GET answered ${read.status} ${JSON.stringify(seen)}`);
    const history = await this.get(`${this.base}/end-users/${user.id}/events`);
    const missing = (['x', 'n', 'm', 'p', 'q'] as Field[]).filter((field) => !history.text.includes(markerOf(user, field)));
    if (history.status !== 200 || missing.length) problems.push(`${user.id}: its events (${history.status}) lack ${missing.map((f) => FIELDS[f]).join(', ')}`);
    const connections = await this.get(`${this.base}/end-users/${user.id}/mcp-connections`);
    if (connections.status !== 200 || connections.body?.total !== 1)
      problems.push(`${user.id}: MCP connections answered ${connections.status} total ${connections.body?.total}`);
    const credentials = await openCredentials(pool, dataKeys, user.id);
    if (!credentials?.includes(markerOf(user, 'c')))
      problems.push(`${user.id}: MCP credentials do not open with its data key (${credentials ?? 'no key or row'})`);
    return problems;
  }

  /** What is wrong with a user that must be gone: 404, not listed under its external id, no marker in its history, no data key. */
  async goneProblems(user: MarkedUser, pool: Pool, dataKeys: DataKeys): Promise<string[]> {
    const problems: string[] = [];
    const read = await this.get(`${this.base}/end-users/${user.id}`);
    if (read.status !== 404) problems.push(`${user.id}: GET answered ${read.status}, not 404`);
    const listed = await this.get(`${this.base}/end-users?external_id=${encodeURIComponent(markerOf(user, 'x'))}`);
    if (listed.status !== 200 || listed.body?.total !== 0)
      problems.push(`${user.id}: listed ${listed.body?.total} time(s) under its external id (${listed.status})`);
    const history = await this.get(`${this.base}/end-users/${user.id}/events`);
    if (history.text.includes(user.marker)) problems.push(`${user.id}: its events (${history.status}) still show its data`);
    if (await dataKeys.cipherOf(sqlOfPool(pool), user.id)) problems.push(`${user.id}: its data key still exists`);
    return problems;
  }
}

async function openCredentials(pool: Pool, dataKeys: DataKeys, endUserId: string): Promise<string | null> {
  const cipher = await dataKeys.cipherOf(sqlOfPool(pool), endUserId);
  const { rows } = await pool.query<{ credentials_encrypted: Buffer | null }>(
    "SELECT credentials_encrypted FROM mcp_connections WHERE end_user_id = $1 AND app = 'github'",
    [endUserId],
  );
  if (!cipher || !rows[0]?.credentials_encrypted) return null;
  return cipher.open('mcpCredentials:github', rows[0].credentials_encrypted.toString('utf8'));
}

/**
 * The markers in `text`: as they are, inside hex (a bytea as text, `\x...`) and inside base64 runs
 * (what a "sealed" value would be if it were only encoded). Ciphertext decodes to noise, never to
 * a marker.
 */
export function markersIn(text: string): Set<string> {
  const found = new Set<string>(text.match(MARKED) ?? []);
  for (const [, hex] of text.matchAll(/\\x([0-9a-f]{16,})/g))
    for (const marker of Buffer.from(hex, 'hex').toString('latin1').match(MARKED) ?? []) found.add(marker);
  for (const [run] of text.matchAll(/[A-Za-z0-9+/]{20,}={0,2}/g))
    for (const marker of Buffer.from(run, 'base64').toString('latin1').match(MARKED) ?? []) found.add(marker);
  return found;
}

/** Every table of the database, each row cast to text: the markers found, with the tables holding each. */
export async function scanDatabaseForMarkers(pool: Pool): Promise<{ tables: Record<string, number>; found: Map<string, Set<string>> }> {
  const { rows: tables } = await pool.query<{ name: string }>(
    "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  const found = new Map<string, Set<string>>();
  for (const { name } of tables) {
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
    counts[name] = rows.length;
    for (const { row } of rows) for (const marker of markersIn(row)) found.set(marker, new Set([...(found.get(marker) ?? []), name]));
  }
  return { tables: counts, found };
}

/**
 * The markers in the planner's statistics (pg_stats: most common values and histogram bounds that
 * ANALYZE sampled from the rows while they lived), with the columns holding each. A system
 * catalog, so not in scanDatabaseForMarkers, nor in a pg_dump; readable by the tables' owner.
 */
export async function markersInStatistics(pool: Pool): Promise<Map<string, Set<string>>> {
  const { rows } = await pool.query<{ name: string; row: string }>(
    "SELECT format('%s.%s', tablename, attname) AS name, s::text AS row FROM pg_stats s WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
  );
  const found = new Map<string, Set<string>>();
  for (const { name, row } of rows) for (const marker of markersIn(row)) found.set(marker, new Set([...(found.get(marker) ?? []), name]));
  return found;
}

/**
 * Below SQL: the markers of `markers` still in the database's files (deleted rows stay in their
 * pages as dead tuples until vacuumed and overwritten) and in the cluster's WAL, after a
 * checkpoint. Evidence only: crypto-shredding makes the events unreadable; plain copies (read
 * rows, the external-id claim) are deleted rows, not overwritten bytes. Null if the files cannot be read.
 */
export async function markersInFiles(pool: Pool, markers: ReadonlySet<string>): Promise<Record<string, unknown> | null> {
  try {
    await pool.query('CHECKPOINT');
    const [{ data_directory: dataDir }] = (await pool.query<{ data_directory: string }>('SHOW data_directory')).rows;
    const [{ oid }] = (await pool.query<{ oid: string }>('SELECT oid::text FROM pg_database WHERE datname = current_database()')).rows;
    const { rows: relations } = await pool.query<{ file: string; name: string }>(
      'SELECT pg_relation_filenode(c.oid)::text AS file, c.relname AS name FROM pg_class c WHERE pg_relation_filenode(c.oid) IS NOT NULL',
    );
    const nameOf = new Map(relations.map((relation) => [relation.file, relation.name]));
    const inDataFiles = new Set<string>();
    const byRelation: Record<string, number> = {};
    const baseDir = path.join(dataDir, 'base', oid);
    for (const file of fs.readdirSync(baseDir)) {
      const hits = matchesIn(fs.readFileSync(path.join(baseDir, file)), markers);
      if (hits.size === 0) continue;
      const relation = nameOf.get(file.split(/[._]/)[0]) ?? file;
      byRelation[relation] = (byRelation[relation] ?? 0) + hits.size;
      for (const marker of hits) inDataFiles.add(marker);
    }
    const inWal = new Set<string>();
    const walDir = path.join(dataDir, 'pg_wal');
    for (const file of fs.readdirSync(walDir).filter((name) => /^[0-9A-F]{24}$/.test(name)))
      for (const marker of matchesIn(fs.readFileSync(path.join(walDir, file)), markers)) inWal.add(marker);
    const byField: Record<string, number> = {};
    for (const marker of inDataFiles) byField[FIELDS[marker.slice(-1) as Field]] = (byField[FIELDS[marker.slice(-1) as Field]] ?? 0) + 1;
    return { markersSought: markers.size, inDataFiles: inDataFiles.size, byField, byRelation, inWal: inWal.size };
  } catch (error) {
    return { unreadable: error instanceof Error ? error.message : String(error) };
  }
}

function matchesIn(bytes: Buffer, markers: ReadonlySet<string>): Set<string> {
  return new Set((bytes.toString('latin1').match(MARKED) ?? []).filter((marker) => markers.has(marker)));
}

/** The markers of `markers` in the app logs of a scenario (logs cannot be erased: none may be there). */
export function markersInLogs(logDir: string, markers: ReadonlySet<string>): { files: number; found: string[] } {
  const files = fs.existsSync(logDir) ? fs.readdirSync(logDir) : [];
  const found = new Set<string>();
  for (const file of files) for (const marker of matchesIn(fs.readFileSync(path.join(logDir, file)), markers)) found.add(marker);
  return { files: files.length, found: [...found] };
}
