import { createDataSource, inTransaction, sqlOfDataSource } from '@app/persistence';
import { loadConfig } from '@app/config';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appendToStream, readAll, readStream } from './event-store';
import { NewEvent, StreamVersionConflict } from './stored-event';

const metadata = { requestId: 'req-1', actorKeyId: null, occurredAt: '2026-01-01T00:00:00.000Z' };
const event = (type = 'Something'): NewEvent => ({ eventId: randomUUID(), type, schemaVersion: 1, data: { n: randomUUID() } });

describe('event store (PostgreSQL)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await createDataSource({ ...loadConfig(), DB_POOL_MAX: 12 }, 'event-store-int').initialize();
  });
  afterAll(() => dataSource.destroy());

  it('appends at consecutive versions and reads the stream back in order', async () => {
    const streamId = `test-${randomUUID()}`;
    const first = [event('A'), event('B')];
    await inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 0, first, metadata));
    await inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 2, [event('C')], metadata));
    const stored = await readStream(sqlOfDataSource(dataSource), streamId);
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
    await inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 0, [event()], metadata));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 1, [event()], metadata))));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    lost.forEach((r) => expect(r.reason).toBeInstanceOf(StreamVersionConflict));
    expect((await readStream(sqlOfDataSource(dataSource), streamId)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('refuses to create a stream that exists (expected version 0)', async () => {
    const streamId = `test-${randomUUID()}`;
    await inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 0, [event()], metadata));
    await expect(inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 0, [event()], metadata))).rejects.toBeInstanceOf(StreamVersionConflict);
  });

  it('refuses updates and deletes of stored events', async () => {
    const streamId = `test-${randomUUID()}`;
    await inTransaction(dataSource, (sql) => appendToStream(sql, streamId, 0, [event()], metadata));
    await expect(dataSource.query("UPDATE events SET event_type = 'X' WHERE stream_id = $1", [streamId])).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM events WHERE stream_id = $1', [streamId])).rejects.toThrow(/append-only/);
  });

  it('never lets readAll skip an event whose transaction commits after a later position', async () => {
    const sql = sqlOfDataSource(dataSource);
    const [{ head }] = await sql.query<{ head: string }>('SELECT coalesce(max(global_position), 0) AS head FROM events');
    const slowStream = `test-${randomUUID()}`;
    const fastStream = `test-${randomUUID()}`;

    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // The slow transaction takes the lower position and stays open.
      await appendToStream({ query: (text, params) => runner.query(text, params) }, slowStream, 0, [event('Slow')], metadata);
      await inTransaction(dataSource, (tx) => appendToStream(tx, fastStream, 0, [event('Fast')], metadata));

      const whileOpen = (await readAll(sql, BigInt(head), 10_000)).filter((e) => e.streamId === slowStream || e.streamId === fastStream);
      expect(whileOpen).toEqual([]);
    } finally {
      await runner.commitTransaction();
      await runner.release();
    }
    const afterCommit = (await readAll(sql, BigInt(head), 10_000)).filter((e) => e.streamId === slowStream || e.streamId === fastStream);
    expect(afterCommit.map((e) => e.type)).toEqual(['Slow', 'Fast']);
  });
});
