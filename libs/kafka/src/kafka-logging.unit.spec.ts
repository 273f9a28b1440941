import { LogEntry, logLevel } from 'kafkajs';
import { kafkaLogCreator, KafkaLogSink } from './kafka-logging';

describe('kafkaLogCreator', () => {
  function capture() {
    const lines: Array<{ level: 'error' | 'warn'; fields: Record<string, unknown>; message: string }> = [];
    const sink: KafkaLogSink = {
      error: (fields, message) => lines.push({ level: 'error', fields, message }),
      warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    };
    const log = kafkaLogCreator('end-users-worker', sink)(logLevel.WARN);
    const entry = (level: logLevel, label: string, message: unknown, extra: Record<string, unknown> = {}, namespace = 'Connection'): LogEntry => ({
      namespace,
      level,
      label,
      log: { timestamp: '2026-01-01T00:00:00.000Z', message: message as string, ...extra },
    });
    return { lines, log, entry };
  }

  it('maps ERROR to error and WARN to warn, with the client and the namespace', () => {
    const { lines, log, entry } = capture();
    log(entry(logLevel.ERROR, 'ERROR', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', retryCount: 2, retryTime: 400 }));
    log(entry(logLevel.WARN, 'WARN', 'The group is rebalancing, re-joining', { groupId: 'g', memberId: 'm-1' }, 'Runner'));
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
        fields: { kafka_client: 'end-users-worker', kafka_namespace: 'Connection', broker: '127.0.0.1:9092', retry_count: 2, retry_time_ms: 400 },
      },
      {
        level: 'warn',
        message: 'The group is rebalancing, re-joining',
        fields: { kafka_client: 'end-users-worker', kafka_namespace: 'Runner', group_id: 'g', member_id: 'm-1' },
      },
    ]);
  });

  it('drops INFO and DEBUG even when KAFKAJS_LOG_LEVEL lets kafkajs produce them', () => {
    const { lines, log, entry } = capture();
    log(entry(logLevel.INFO, 'INFO', 'Starting', { groupId: 'g' }));
    log(entry(logLevel.DEBUG, 'DEBUG', 'Request Produce(key: 0, version: 7)', { payload: { value: 'a display name' } }));
    expect(lines).toEqual([]);
  });

  it('keeps only known fields: payloads, SASL settings and stacks never reach the log', () => {
    const { lines, log, entry } = capture();
    log(
      entry(logLevel.ERROR, 'ERROR', 'Response Produce(key: 0, version: 7)', {
        payload: { messages: [{ value: '{"display_name":"Ada"}' }] },
        data: Buffer.from('secret'),
        sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' },
        stack: 'Error: x\n    at y (z.js:1:1)',
        correlationId: 7,
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].fields).toEqual({ kafka_client: 'end-users-worker', kafka_namespace: 'Connection', correlation_id: 7 });
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|Ada|secret|at y/);
  });

  it('turns an Error given as the message or as the error field into its name and message', () => {
    const { lines, log, entry } = capture();
    log(entry(logLevel.ERROR, 'ERROR', new Error('boom'), { error: new TypeError('bad') }));
    expect(lines[0]).toMatchObject({ message: 'Error: boom', fields: { error: 'TypeError: bad' } });
  });

  it('drops the bounded-retries warning kafkajs repeats for every idempotent producer', () => {
    const { lines, log, entry } = capture();
    log(entry(logLevel.WARN, 'WARN', 'Limiting retries for the idempotent producer may invalidate EoS guarantees', {}, 'Producer'));
    expect(lines).toEqual([]);
  });
});
