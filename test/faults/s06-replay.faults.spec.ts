import { sleep } from './harness/env';
import { expectClean, waitFor } from './harness/expect';
import { groupLag, RawProducer, withAdmin } from './harness/kafka';
import { Scenario } from './harness/scenario';
import { tableChecksum } from '../../libs/projections/src/projection-tables';

jest.setTimeout(200_000);

/** Every table the worker writes, and the read tables, by checksum (row count and a hash of every row's text). */
const SIDE_EFFECT_TABLES = [
  'budgets',
  'budget_ledger',
  'processed_events',
  'end_user_key_hashes',
  'end_user_rate_limits',
  'mcp_connections',
  'end_users',
  'end_user_api_keys',
  'platform_end_user_counts',
];

/**
 * Scenario 6. After a normal run has drained, the worker's consumer group is reset to the start of
 * the topic and every message of the topic is published a second time, so the worker sees the
 * whole history twice more. Nothing it writes may change: the tables are compared by checksum.
 */
describe('S6 whole topic replayed to the worker, every message published twice', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s06-replay', 'replay the whole topic (consumer group reset) and publish every message twice');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('leaves every side-effect table unchanged', () =>
    s.run(async () => {
      const api = await s.startApi();
      const worker = await s.startWorker({ label: 'worker-1' });
      const load = s.load({ port: api.port, concurrency: 6 }).start();
      await sleep(15_000);
      await load.stop();
      const first = await s.check();
      expectClean(s, first);
      const before = await checksums(s);

      await worker.stop();
      await withAdmin(s.brokers, (admin) => admin.resetOffsets({ groupId: s.group, topic: s.topic, earliest: true }));
      s.fault('consumer group reset to the earliest offsets', { group: s.group });
      const producer = await RawProducer.open(s.brokers);
      try {
        const messages = first.topicMessages;
        for (let start = 0; start < messages.length; start += 500) {
          await producer.send(
            s.topic,
            messages
              .slice(start, start + 500)
              .map((message) => ({ key: message.key, value: message.value, headers: { ...message.headers, 'faults.copy': 'true' } })),
          );
        }
        s.fault('every message of the topic published a second time', { messages: messages.length });
      } finally {
        await producer.close();
      }

      const replayer = await s.startWorker({ label: 'worker-replay' });
      await waitFor(
        'the replaying worker reaches the end of the topic',
        async () => ((await groupLag(s.brokers, s.group, s.topic)).total === 0 ? true : undefined),
        120_000,
        500,
      );
      const after = await checksums(s);
      const outcomesNow = async () => ({
        applied: await replayer.counter('end_users_worker_messages_total', { outcome: 'applied' }),
        duplicate: await replayer.counter('end_users_worker_messages_total', { outcome: 'duplicate' }),
        no_reaction: await replayer.counter('end_users_worker_messages_total', { outcome: 'no_reaction' }),
        dead_lettered: await replayer.counter('end_users_worker_messages_total', { outcome: 'dead_lettered' }),
      });
      // Each message of the topic is delivered twice (the original again, and its copy). Not every
      // event is on the topic: the relay does not publish the unsent events of a user erased before
      // it got to them. The group's offsets can reach the end a moment before the worker has counted
      // its last messages: wait until it has counted them all (or show what it counted).
      const delivered = 2 * first.topicMessages.length;
      const outcomes = await waitFor(
        'the replaying worker counts every delivered message',
        async () => {
          const counted = await outcomesNow();
          return Object.values(counted).reduce((sum, n) => sum + n, 0) >= delivered ? counted : undefined;
        },
        30_000,
        250,
      ).catch(() => outcomesNow());
      const withReaction = first.counts.inboxRows;
      s.note('firstPass', {
        events: first.counts.events,
        topicMessages: first.counts.topicMessages,
        inboxRows: first.counts.inboxRows,
        recordsChecked: first.recordsChecked,
      });
      s.note('deliveredOnReplay', first.topicMessages.length * 2);
      s.note('replayOutcomes', outcomes);
      s.note('checksumsBefore', before);
      s.note('checksumsAfter', after);

      const second = await s.check();
      expect(after).toEqual(before);
      expect(outcomes).toEqual({ applied: 0, duplicate: 2 * withReaction, no_reaction: delivered - 2 * withReaction, dead_lettered: 0 });
      expect(second.counts.topicDuplicates).toBe(first.counts.topicMessages);
      expectClean(s, second);
    }));
});

async function checksums(s: Scenario): Promise<Record<string, string>> {
  const client = await s.pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const result: Record<string, string> = {};
    for (const table of SIDE_EFFECT_TABLES) result[table] = (await tableChecksum(client, table)).checksum;
    await client.query('COMMIT');
    return result;
  } finally {
    client.release();
  }
}
