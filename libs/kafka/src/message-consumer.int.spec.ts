import { randomUUID } from 'node:crypto';
import { ensureTopic, testKafka, testTopic } from '../../../test/support/kafka';
import { eventually } from '../../../test/support/worker';
import { createKafka } from './kafka-connection';
import { ConsumedMessage, KafkaConsumer } from './message-consumer';

jest.setTimeout(60_000);

describe('KafkaConsumer', () => {
  const topic = `${testTopic()}.consumer-int`;
  let consumer: KafkaConsumer | null = null;

  beforeAll(() => ensureTopic(topic, 1));
  afterEach(() => consumer?.disconnect());

  it('keeps consuming after kafkajs gives up on its consumer (a handler TypeError is fatal to kafkajs)', async () => {
    const run = randomUUID();
    const producer = testKafka('consumer-int-producer').producer();
    await producer.connect();
    await producer.send({ topic, messages: ['first', 'second', 'third'].map((value) => ({ key: run, value: `${run}:${value}` })) });
    await producer.disconnect();

    const handled: string[] = [];
    const crashes: Error[] = [];
    let thrown = false;
    consumer = new KafkaConsumer(createKafka(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', 'consumer-int'), {
      groupId: `consumer-int-${run}`,
      topic,
      fromBeginning: true,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 50,
      partitionsConsumedConcurrently: 1,
      autoCommitIntervalMs: 100,
      onCrash: (error) => crashes.push(error),
    });
    await consumer.connect();
    await consumer.run(async (message: ConsumedMessage) => {
      const value = message.value?.toString('utf8') ?? '';
      if (!value.startsWith(run)) return true;
      if (!thrown) {
        thrown = true;
        throw new TypeError('a bug in the handler');
      }
      handled.push(value.slice(run.length + 1));
      return true;
    });

    await eventually(async () => (handled.length === 3 ? handled : undefined), 40_000);
    expect(handled).toEqual(['first', 'second', 'third']);
    expect(crashes.length).toBeGreaterThanOrEqual(1);
    expect(crashes[0].message).toMatch(/a bug in the handler/);
  });
});
