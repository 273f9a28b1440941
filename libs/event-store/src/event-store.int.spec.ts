import { Database, Sql, sqlOfClient, Statement } from '@app/persistence';
import { loadConfig } from '@app/config';
import { randomUUID } from 'node:crypto';
import { readAll, readFirstEvents, readPositions, readStream, runAppend, START_OF_ALL, streamVersion, withAppendedEvents } from './event-store';
import { NewEvent, StoredEvent, StreamVersionConflict } from './stored-event';

const metadata = { requestId: 'req-1', actorKeyId: null, occurredAt: '2026-01-01T00:00:00.000Z' };
const event = (type = 'Something'): NewEvent => ({ eventId: randomUUID(), type, schemaVersion: 1, data: { n: randomUUID() } });

/** The append as the end-user repository runs it: a statement holding withAppendedEvents, run by runAppend. */
function append(sql: Sql, streamId: string, expectedVersion: number, events: NewEvent[], meta = metadata): Promise<StoredEvent[]> {
  const request = { streamId, expectedVersion, events, metadata: meta };
  const statement = new Statement();
  withAppendedEvents(statement, request);
  return runAppend(sql, statement, request);
}

describe('event store (PostgreSQL)', () => {
  let dataSource: Database;

  beforeAll(async () => {
    dataSource = await Database.connect({ ...loadConfig(), DB_POOL_MAX: 12 }, 'event-store-int');
  });
  afterAll(() => dataSource.close());

  it('appends at consecutive versions and reads the stream back in order', async () => {
    const streamId = `test-${randomUUID()}`;
    const first = [event('A'), event('B')];
    await dataSource.transaction((sql) => append(sql, streamId, 0, first));
    await dataSource.transaction((sql) => append(sql, streamId, 2, [event('C')]));
    const stored = await readStream(dataSource, streamId);
    expect(stored.map((e) => [e.type, e.streamVersion])).toEqual([
      ['A', 1],
      ['B', 2],
      ['C', 3],
    ]);
    expect(stored[0].metadata).toEqual(metadata);
    expect(stored[0].data).toEqual(first[0].data);
    expect(stored[1].globalPosition > stored[0].globalPosition).toBe(true);
  });

  it('lets exactly one of many concurrent appends at the same expected version win', async () => {
    const streamId = `test-${randomUUID()}`;
    await dataSource.transaction((sql) => append(sql, streamId, 0, [event()]));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => dataSource.transaction((sql) => append(sql, streamId, 1, [event()]))));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    lost.forEach((r) => expect(r.reason).toBeInstanceOf(StreamVersionConflict));
    expect((await readStream(dataSource, streamId)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('refuses to create a stream that exists (expected version 0)', async () => {
    const streamId = `test-${randomUUID()}`;
    await dataSource.transaction((sql) => append(sql, streamId, 0, [event()]));
    await expect(dataSource.transaction((sql) => append(sql, streamId, 0, [event()]))).rejects.toBeInstanceOf(StreamVersionConflict);
  });

  it('appends nothing when the guard CTE produced no row, and everything when it did', async () => {
    const streamId = `test-${randomUUID()}`;
    const guarded = (pass: boolean) => {
      const request = { streamId, expectedVersion: 0, events: [event('A')], metadata };
      const statement = new Statement();
      statement.with('guard', `SELECT 1 WHERE ${statement.param(pass, 'boolean')}`);
      withAppendedEvents(statement, request, 'guard');
      return runAppend(dataSource, statement, request);
    };
    expect(await guarded(false)).toEqual([]);
    expect(await streamVersion(dataSource, streamId)).toBe(0);
    expect((await guarded(true)).map((e) => [e.type, e.streamVersion])).toEqual([['A', 1]]);
    expect(await streamVersion(dataSource, streamId)).toBe(1);
  });

  it('reads a stream by event type, the first event of streams, and positions of streams with a prefix taken literally', async () => {
    const prefix = `t_${randomUUID().slice(0, 8)}-`;
    const [one, two, lookalike] = [`${prefix}1`, `${prefix}2`, `${prefix.replace('_', 'x')}3`];
    await append(dataSource, one, 0, [event('A'), event('B'), event('A')]);
    await append(dataSource, two, 0, [event('C')]);
    await append(dataSource, lookalike, 0, [event('D')]);
    expect((await readStream(dataSource, one, ['A'])).map((e) => e.streamVersion)).toEqual([1, 3]);
    expect((await readFirstEvents(dataSource, [one, two])).map((e) => e.type).sort()).toEqual(['A', 'C']);
    const [{ low }] = await dataSource.query<{ low: string }>('SELECT min(global_position)::text AS low FROM events WHERE stream_id = $1', [one]);
    const read = await readPositions(dataSource, { after: BigInt(low) - 1n, streamPrefix: prefix, limit: 100 });
    expect(read.map((e) => e.streamId).sort()).toEqual([one, one, one, two]);
  });

  it('refuses updates and deletes of stored events', async () => {
    const streamId = `test-${randomUUID()}`;
    await dataSource.transaction((sql) => append(sql, streamId, 0, [event()]));
    await expect(dataSource.query("UPDATE events SET event_type = 'X' WHERE stream_id = $1", [streamId])).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM events WHERE stream_id = $1', [streamId])).rejects.toThrow(/append-only/);
  });

  /** Follows readAll from just before these streams' first event until `expected` of their events were read (or 10 s passed). */
  async function readAllFor(streams: string[], expected: number): Promise<string[]> {
    const seen: string[] = [];
    const [{ low }] = await dataSource.query<{ low: string }>("SELECT coalesce(min(transaction_id)::text, '0') AS low FROM events WHERE stream_id = ANY($1)", [
      streams,
    ]);
    let checkpoint = { transactionId: BigInt(low) - 1n, position: 0n };
    // An empty page is not the end: a transaction of another process still open holds the reader back.
    for (const giveUpAt = Date.now() + 10_000; seen.length < expected && Date.now() < giveUpAt;) {
      const page = await readAll(dataSource, checkpoint, 1000);
      seen.push(...page.events.filter((e) => streams.includes(e.streamId)).map((e) => e.eventId));
      checkpoint = page.checkpoint;
      if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return seen;
  }

  it('never lets a resuming readAll skip an event whose transaction commits after a later position', async () => {
    const slowStream = `test-${randomUUID()}`;
    const fastStream = `test-${randomUUID()}`;
    const laterStream = `test-${randomUUID()}`;
    const slow = await dataSource.checkOut();
    await slow.client.query('BEGIN');
    const inRunner = sqlOfClient(slow.client);
    let checkpoint = START_OF_ALL;
    try {
      // The slow transaction takes an xid first, then appends after a faster one committed.
      const [{ xid }] = await inRunner.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      await dataSource.transaction((tx) => append(tx, fastStream, 0, [event('Fast')]));
      await append(inRunner, slowStream, 0, [event('Slow')]);

      // A reader that has read everything before the slow transaction.
      checkpoint = { transactionId: BigInt(xid) - 1n, position: 0n };
      // While the slow transaction is open, nothing at or after its xid is handed out.
      const whileOpen = await readAll(dataSource, checkpoint, 10_000);
      expect(whileOpen.events.filter((e) => e.streamId === slowStream || e.streamId === fastStream)).toEqual([]);
      checkpoint = whileOpen.checkpoint;
    } finally {
      await slow.client.query('COMMIT');
      slow.release();
    }
    await dataSource.transaction((tx) => append(tx, laterStream, 0, [event('Later')]));
    const seen: string[] = [];
    // Polled like a live reader: a transaction of another process still open holds the reader back
    // (nothing after it is handed out yet), so an empty page is not the end.
    for (const giveUpAt = Date.now() + 10_000; !seen.includes('Later') && Date.now() < giveUpAt;) {
      const page = await readAll(dataSource, checkpoint, 1000);
      seen.push(...page.events.filter((e) => [slowStream, fastStream, laterStream].includes(e.streamId)).map((e) => e.type));
      checkpoint = page.checkpoint;
      if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The slow event has the higher position but the lower xid: it comes first and is not skipped.
    expect(seen).toEqual(['Slow', 'Fast', 'Later']);
  });

  it('orders readAll by transaction id as a number, also where the ids gain a digit (9 before 11)', async () => {
    // Transaction ids 9 and 11 were used by initdb, before the events table existed: only events
    // written like these (by earlier runs of this test, at lower positions) share them.
    const streamId = `readall-order-${randomUUID()}`;
    const [nine, eleven] = [randomUUID(), randomUUID()];
    await dataSource.query(
      `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, transaction_id)
       VALUES ($1, $3, 1, 'Old', 1, '{}', '{}', '11'::xid8), ($2, $3, 2, 'Older', 1, '{}', '{}', '9'::xid8)`,
      [eleven, nine, streamId],
    );
    const first = await readAll(dataSource, { transactionId: 8n, position: 0n }, 1_000);
    const ids = first.events.map((e) => e.eventId);
    expect(ids).toContain(nine);
    expect(ids.indexOf(nine)).toBeLessThan(ids.indexOf(eleven));
    // The checkpoint is the page's greatest key: the next page shares no event with it.
    const second = await readAll(dataSource, first.checkpoint, 1_000);
    expect(second.events.filter((e) => ids.includes(e.eventId))).toEqual([]);
  });

  it('reads every committed event of many concurrent writers exactly once', async () => {
    const streams = Array.from({ length: 20 }, () => `test-${randomUUID()}`);
    await Promise.all(streams.map((streamId) => dataSource.transaction((tx) => append(tx, streamId, 0, [event('A'), event('B')]))));
    const seen = await readAllFor(streams, 40);
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });
});
