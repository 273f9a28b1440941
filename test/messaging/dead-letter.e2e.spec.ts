import { randomUUID } from 'node:crypto';
import { createTestPlatform } from '../support/database';
import { useE2eFixture } from '../support/fixtures';
import { deadLetterTopic, RawProducer, TappedMessage, testTopic, TopicTap, waitUntilWorkerPassed } from '../support/kafka';
import { countWhere, createdEvent, eventHeaders, waitForBudgetRow } from '../support/messaging';

jest.setTimeout(60_000);

/**
 * Poison messages: each goes to `<topic>.dlt` as it was, with its origin and the error, and the
 * partition keeps flowing. All of them share one key, so they sit on one partition in front of a
 * healthy message.
 */
describe('dead-letter topic', () => {
  const e2e = useE2eFixture({
    worker: true,
    open: { dlt: () => TopicTap.open([deadLetterTopic()], 'dead-letter'), producer: () => RawProducer.open() },
  });

  const deadLetterOf = (position: { partition: number; offset: string }) => (message: TappedMessage) =>
    message.headers['dlt.origin.topic'] === testTopic() &&
    message.headers['dlt.origin.partition'] === String(position.partition) &&
    message.headers['dlt.origin.offset'] === position.offset;

  it('dead-letters malformed JSON, an unknown event_type, a schema violation and an unknown platform, and still processes the healthy message behind them', async () => {
    const platform = await createTestPlatform(e2e.db, { default_budget_usd: 8 });
    const key = randomUUID(); // the healthy message's end user: every message below shares its partition
    const ghostPlatform = randomUUID();
    const healthy = createdEvent({ platformId: platform.id, endUserId: key, budget: { maxUsd: 8 } });
    const unknownPlatform = createdEvent({ platformId: ghostPlatform, budget: { maxUsd: 8 } });
    const unknownType = { ...createdEvent({ platformId: platform.id }), event_type: 'end_user.teleported' };
    const schemaViolation = createdEvent({ platformId: platform.id, budget: { maxUsd: 8 } });
    (schemaViolation.data.api_key as unknown as Record<string, unknown>).raw_key = 'sk-eu_not-really';

    const poison = [
      {
        name: 'malformed JSON',
        value: '{"event_id": "oops", "event_type": "end_user.created", ',
        headers: { event_type: 'end_user.created', schema_version: '1' },
        error: /JSON/i,
      },
      { name: 'unknown event_type', value: JSON.stringify(unknownType), headers: eventHeaders(unknownType), error: /event_type/ },
      { name: 'schema violation', value: JSON.stringify(schemaViolation), headers: eventHeaders(schemaViolation), error: /schema/i },
      { name: 'unknown platform', value: JSON.stringify(unknownPlatform), headers: eventHeaders(unknownPlatform), error: new RegExp(ghostPlatform) },
    ];
    const positions = [];
    for (const message of poison) positions.push(await e2e.producer.send(testTopic(), { key, value: message.value, headers: message.headers }));
    const healthyPosition = await e2e.producer.send(testTopic(), { key, value: JSON.stringify(healthy), headers: eventHeaders(healthy) });
    expect(new Set([...positions, healthyPosition].map((position) => position.partition)).size).toBe(1);

    // The partition kept flowing: the message behind the poison is processed.
    await waitForBudgetRow(e2e.db, key);
    await waitUntilWorkerPassed(healthyPosition);

    for (const [index, message] of poison.entries()) {
      const [dead] = await e2e.dlt.waitFor(deadLetterOf(positions[index]));
      expect({ name: message.name, value: dead.value, key: dead.key }).toEqual({ name: message.name, value: message.value, key });
      expect(dead.headers['dlt.error']).toMatch(message.error);
      expect(dead.headers['dlt.origin.topic']).toBe(testTopic());
      expect(Number(dead.headers['dlt.attempts'])).toBeGreaterThanOrEqual(1);
      // The original headers travel along.
      expect(dead.headers.event_type).toBe(message.headers.event_type);
    }
    expect(await countWhere(e2e.db, 'budgets', 'end_user_id', unknownPlatform.end_user_id)).toBe(0);
    expect(await countWhere(e2e.db, 'budgets', 'end_user_id', schemaViolation.end_user_id)).toBe(0);

    // Only the poison went there: everything in the DLT so far has been read, none of it is the healthy message.
    await e2e.dlt.catchUp();
    expect(e2e.dlt.messages.filter(deadLetterOf(healthyPosition))).toEqual([]);
    expect(e2e.dlt.messages.filter((message) => message.key === key)).toHaveLength(poison.length);
  });

  it('dead-letters an end_user.created for an unknown platform also when it decided no budget (nothing to provision is no reason to accept it)', async () => {
    const platform = await createTestPlatform(e2e.db, { default_budget_usd: 8 });
    const ghostPlatform = randomUUID();
    const orphan = createdEvent({ platformId: ghostPlatform, budget: null });
    const healthy = createdEvent({ platformId: platform.id, endUserId: orphan.end_user_id, budget: { maxUsd: 8 } });
    const orphanPosition = await e2e.producer.send(testTopic(), { key: orphan.end_user_id, value: JSON.stringify(orphan), headers: eventHeaders(orphan) });
    await e2e.producer.send(testTopic(), { key: healthy.end_user_id, value: JSON.stringify(healthy), headers: eventHeaders(healthy) });
    await waitForBudgetRow(e2e.db, healthy.end_user_id);
    await e2e.dlt.catchUp();
    const dead = e2e.dlt.messages.filter(deadLetterOf(orphanPosition));
    expect(dead).toHaveLength(1);
    expect(dead[0].headers['dlt.error']).toMatch(new RegExp(ghostPlatform));
  });

  it('dead-letters a message without a value (a tombstone) and moves on', async () => {
    const platform = await createTestPlatform(e2e.db, { default_budget_usd: 8 });
    const key = randomUUID();
    const tombstone = await e2e.producer.send(testTopic(), { key, value: null });
    const healthy = createdEvent({ platformId: platform.id, endUserId: key, budget: { maxUsd: 8 } });
    await e2e.producer.send(testTopic(), { key, value: JSON.stringify(healthy), headers: eventHeaders(healthy) });
    const [dead] = await e2e.dlt.waitFor(deadLetterOf(tombstone));
    expect(dead.headers['dlt.error']).toMatch(/no value/i);
    await waitForBudgetRow(e2e.db, key);
  });

  it('keeps serving the API path after poison: a real create is still provisioned', async () => {
    const c = await e2e.client({ default_budget_usd: 5 });
    const user = await c.createOk();
    await waitForBudgetRow(e2e.db, user.id);
    expect(await countWhere(e2e.db, 'budget_ledger', 'end_user_id', user.id)).toBe(1);
  });
});
