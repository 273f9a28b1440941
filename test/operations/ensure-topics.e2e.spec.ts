import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { buildAsyncApiDocument, DEFAULT_TOPIC_RETENTION_MS } from '../../apps/api/src/interface-documents/asyncapi';
import { deleteTopics, ensureTopic, topicOwnSettings } from '../support/kafka';

const ROOT = path.resolve(__dirname, '../..');
const HOUR_MS = 3_600_000;

interface ScriptRun {
  code: number;
  stderr: string;
}

/** scripts/kafka/ensure-topics.js as start.sh, test.sh and the compose `topics` service run it. */
function ensureTopics(topic: string, env: Record<string, string | undefined>): Promise<ScriptRun> {
  const { KAFKA_TOPIC_RETENTION_MS: _inherited, ...base } = process.env;
  const childEnv = { ...base, KAFKA_TOPIC: topic, KAFKA_DLT_TOPIC: '', KAFKA_TOPIC_PARTITIONS: '1', KAFKA_ENSURE_TIMEOUT: '30', ...env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['scripts/kafka/ensure-topics.js'], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stderr });
    });
  });
}

/** retention.ms as each topic has it of its own (undefined: inherited from the broker). */
async function retentionOf(topics: string[]): Promise<Record<string, string | undefined>> {
  const settings = await Promise.all(topics.map((topic) => topicOwnSettings(topic)));
  return Object.fromEntries(topics.map((topic, i) => [topic, settings[i]['retention.ms']]));
}

describe('ensure-topics: the retention of the public and dead-letter topics', () => {
  const created: string[] = [];
  const ownTopic = (label: string) => {
    const topic = `end-users.ensure-topics.${label}.${randomUUID()}`;
    created.push(topic, `${topic}.dlt`);
    return topic;
  };

  afterAll(async () => {
    await deleteTopics(created);
  });

  it('creates both topics with KAFKA_TOPIC_RETENTION_MS, then alters them when it changes, keeping their other settings', async () => {
    const topic = ownTopic('alter');
    const both = [topic, `${topic}.dlt`];

    const first = await ensureTopics(topic, { KAFKA_TOPIC_RETENTION_MS: String(HOUR_MS) });
    expect(first).toMatchObject({ code: 0 });
    expect(await retentionOf(both)).toEqual({ [topic]: String(HOUR_MS), [`${topic}.dlt`]: String(HOUR_MS) });
    expect(first.stderr).toContain(`topic ${topic} created with 1 partition(s), retention.ms=${HOUR_MS}`);

    const second = await ensureTopics(topic, { KAFKA_TOPIC_RETENTION_MS: String(2 * HOUR_MS) });
    expect(second).toMatchObject({ code: 0 });
    expect(await retentionOf(both)).toEqual({ [topic]: String(2 * HOUR_MS), [`${topic}.dlt`]: String(2 * HOUR_MS) });
    expect(second.stderr).toContain(`topic ${topic} retention.ms=${2 * HOUR_MS} (altered; was ${HOUR_MS})`);
    expect(second.stderr).toContain(`topic ${topic}.dlt retention.ms=${2 * HOUR_MS} (altered; was ${HOUR_MS})`);
    // kafkajs's AlterConfigs replaces a topic's own settings with those sent: the others must be sent again.
    for (const name of both) expect(await topicOwnSettings(name)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(2 * HOUR_MS) });

    const third = await ensureTopics(topic, { KAFKA_TOPIC_RETENTION_MS: String(2 * HOUR_MS) });
    expect(third).toMatchObject({ code: 0 });
    expect(third.stderr).toContain(`topic ${topic} retention.ms=${2 * HOUR_MS} (unchanged)`);
    expect(third.stderr).not.toContain('altered');
  }, 120_000);

  it('without KAFKA_TOPIC_RETENTION_MS, gives an existing topic that inherits the broker retention the 7 days the AsyncAPI document states', async () => {
    const topic = ownTopic('default');
    await ensureTopic(topic, 1);
    expect(await retentionOf([topic])).toEqual({ [topic]: undefined });

    const run = await ensureTopics(topic, {});
    expect(run).toMatchObject({ code: 0 });
    expect(DEFAULT_TOPIC_RETENTION_MS).toBe(7 * 24 * HOUR_MS);
    const channels = (buildAsyncApiDocument() as { channels: Record<string, { bindings: { kafka: { topicConfiguration: Record<string, unknown> } } }> })
      .channels;
    for (const channel of ['endUserEvents', 'endUserEventsDeadLetter']) {
      expect(channels[channel].bindings.kafka.topicConfiguration['retention.ms']).toBe(DEFAULT_TOPIC_RETENTION_MS);
    }
    expect(await retentionOf([topic, `${topic}.dlt`])).toEqual({
      [topic]: String(DEFAULT_TOPIC_RETENTION_MS),
      [`${topic}.dlt`]: String(DEFAULT_TOPIC_RETENTION_MS),
    });
    expect(run.stderr).toMatch(
      new RegExp(`topic ${topic.replace(/\./g, '\\.')} retention\\.ms=${DEFAULT_TOPIC_RETENTION_MS} \\(altered; was not set on the topic`),
    );
  }, 120_000);

  it.each(['0', '-1', '7d', '1.5', '1e21'])(
    'refuses KAFKA_TOPIC_RETENTION_MS=%s (erasure needs a finite, positive retention) before connecting',
    async (value) => {
      const topic = ownTopic('invalid');
      const run = await ensureTopics(topic, { KAFKA_TOPIC_RETENTION_MS: value });
      expect(run).toEqual({ code: 1, stderr: `[ensure-topics] invalid KAFKA_TOPIC_RETENTION_MS=${value}: expected a positive integer\n` });
    },
    60_000,
  );
});
