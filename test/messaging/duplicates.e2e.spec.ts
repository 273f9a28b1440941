import { randomUUID } from 'node:crypto';
import { EventProcessor } from '../../apps/worker/src/consumers/event-processor';
import { createTestPlatform, TestPlatform } from '../support/database';
import { useE2eFixture } from '../support/fixtures';
import { RawProducer, testTopic, TopicTap, waitUntilWorkerPassed } from '../support/kafka';
import { countWhere, createdEvent, eventHeaders, PROVISION_REACTION, waitForBudgetRow } from '../support/messaging';

jest.setTimeout(60_000);

/** At-least-once delivery meets an idempotent worker: the same event twice has one effect. */
describe('duplicate deliveries', () => {
  const e2e = useE2eFixture({
    worker: true,
    open: { tap: () => TopicTap.open([testTopic()], 'duplicates'), producer: () => RawProducer.open() },
  });

  const effects = async (endUserId: string) => ({
    budgets: await countWhere(e2e.db, 'budgets', 'end_user_id', endUserId),
    ledger: await countWhere(e2e.db, 'budget_ledger', 'end_user_id', endUserId),
  });

  it('a copy of a real end_user.created (same event_id) produced to the topic again provisions nothing more', async () => {
    const c = await e2e.client({ default_budget_usd: 30 });
    const user = await c.createOk();
    const [original] = await e2e.tap.waitForKey(user.id, 1);
    const event = JSON.parse(original.value!);
    expect(event.event_type).toBe('end_user.created');
    await waitForBudgetRow(e2e.db, user.id);
    await waitUntilWorkerPassed(original);
    const duplicatesBefore = e2e.worker.consumer.stats.duplicates;
    const deadLetteredBefore = e2e.worker.consumer.stats.deadLettered;

    const copy = await e2e.producer.send(testTopic(), { key: original.key, value: original.value, headers: original.headers });
    expect(copy.partition).toBe(original.partition);
    expect(BigInt(copy.offset)).toBeGreaterThan(BigInt(original.offset));
    await waitUntilWorkerPassed(copy);

    expect(await effects(user.id)).toEqual({ budgets: 1, ledger: 1 });
    expect(e2e.worker.consumer.stats.duplicates).toBeGreaterThan(duplicatesBefore);
    expect(e2e.worker.consumer.stats.deadLettered).toBe(deadLetteredBefore);
    const inbox = await e2e.db.query('SELECT consumer FROM processed_events WHERE event_id = $1', [event.event_id]);
    expect(inbox).toEqual([{ consumer: PROVISION_REACTION }]);
    const [budget] = await e2e.db.query('SELECT id FROM budgets WHERE end_user_id = $1', [user.id]);
    expect(budget.id).toBe(user.budget.id);
  });

  describe("the worker's EventProcessor called directly", () => {
    let processor: EventProcessor;
    let platform: TestPlatform;
    beforeAll(async () => {
      processor = e2e.worker.app.get(EventProcessor);
      platform = await createTestPlatform(e2e.db, { default_budget_usd: 11 });
    });

    it('applies an event once and answers "duplicate" the second time (sequential calls)', async () => {
      const event = createdEvent({ platformId: platform.id, budget: { maxUsd: 11 } });
      const bytes = Buffer.from(JSON.stringify(event));
      expect(await processor.process(processor.decode(bytes))).toBe('applied');
      expect(await processor.process(processor.decode(bytes))).toBe('duplicate');
      expect(await effects(event.end_user_id)).toEqual({ budgets: 1, ledger: 1 });
      const [budget] = await e2e.db.query('SELECT id, max_usd::text AS max_usd FROM budgets WHERE end_user_id = $1', [event.end_user_id]);
      expect(budget).toEqual({ id: event.data.budget!.id, max_usd: '11.000000' });
    });

    it('applies an event once when the two deliveries race (concurrent calls)', async () => {
      const event = createdEvent({ platformId: platform.id, budget: { maxUsd: 11 } });
      const outcomes = await Promise.all([processor.process(event), processor.process(event), processor.process(event)]);
      expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate']);
      expect(await effects(event.end_user_id)).toEqual({ budgets: 1, ledger: 1 });
    });

    it('provisions one budget even when the same user is announced twice under two event ids (a re-publish with new ids)', async () => {
      const endUserId = randomUUID();
      const budgetId = randomUUID();
      const first = createdEvent({ platformId: platform.id, endUserId, budget: { id: budgetId, maxUsd: 11 } });
      const second = createdEvent({ platformId: platform.id, endUserId, budget: { id: budgetId, maxUsd: 11 } });
      expect(first.event_id).not.toBe(second.event_id);
      await processor.process(first);
      await processor.process(second);
      expect(await effects(endUserId)).toEqual({ budgets: 1, ledger: 1 });
    });
  });

  it('the same crafted event produced twice to the topic (two offsets) is applied once', async () => {
    const platform = await createTestPlatform(e2e.db, { default_budget_usd: 6 });
    const event = createdEvent({ platformId: platform.id, budget: { maxUsd: 6 } });
    const message = { key: event.end_user_id, value: JSON.stringify(event), headers: eventHeaders(event) };
    const first = await e2e.producer.send(testTopic(), message);
    const second = await e2e.producer.send(testTopic(), message);
    await waitUntilWorkerPassed(second);
    expect(first.partition).toBe(second.partition);
    expect(await effects(event.end_user_id)).toEqual({ budgets: 1, ledger: 1 });
    const inbox = await e2e.db.query('SELECT count(*)::int AS count FROM processed_events WHERE event_id = $1', [event.event_id]);
    expect(inbox[0].count).toBe(1);
  });
});
