import { validateIntegrationEvent } from '@app/contracts';
import { createKafka, KafkaPublisher } from '@app/kafka';
import { Database } from '@app/persistence';
import { republishEvents } from '@app/outbox';
import request from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { createTestPlatform, openTestDatabase } from '../support/database';
import { testTopic, TopicTap } from '../support/kafka';
import { testDataKeys } from '../support/data-keys';

describe('events republish', () => {
  let api: RunningApi;
  let db: Database;
  let tap: TopicTap;
  let publisher: KafkaPublisher;

  beforeAll(async () => {
    api = await startApi();
    db = await openTestDatabase();
    publisher = new KafkaPublisher(createKafka(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', 'republish-test'));
  });
  afterAll(async () => {
    await publisher.close();
    await api.close();
    await db.close();
  });

  it("re-publishes one user's events in order with the same event ids, marked as replays, with its personal fields", async () => {
    const platform = await createTestPlatform(db, { default_budget_usd: 3 });
    const externalId = `replay-${Date.now()}`;
    const created = await request(api.server).post(`/v1/platforms/${platform.id}/end-users`).set(bearer(platform.key)).send({ external_id: externalId });
    const userId: string = created.body.id;
    await request(api.server)
      .patch(`/v1/platforms/${platform.id}/end-users/${userId}`)
      .set(bearer(platform.key))
      .send({ display_name: 'Replayed' })
      .expect(200);
    const stored: { event_id: string }[] = await db.query('SELECT event_id FROM events WHERE stream_id = $1 ORDER BY stream_version', [`end_user-${userId}`]);

    tap = await TopicTap.open([testTopic()], 'republish');
    try {
      const published = await republishEvents(db, testDataKeys(), publisher, testTopic(), { fromPosition: 0n, endUserId: userId });
      expect(published).toBe(2);
      const replays = (await tap.waitFor((m) => m.key === userId && m.headers.replay === 'true', 2)).filter((m) => m.headers.replay === 'true');
      expect(replays.map((m) => JSON.parse(m.value!).event_id)).toEqual(stored.map((row) => row.event_id));
      expect(replays.map((m) => m.headers.event_type)).toEqual(['end_user.created', 'end_user.updated']);
      expect(JSON.parse(replays[0].value!).data.external_id).toBe(externalId);
      expect(JSON.parse(replays[1].value!).data.changes).toEqual({ display_name: 'Replayed' });
      for (const message of replays) expect(validateIntegrationEvent(JSON.parse(message.value!))).toMatchObject({ valid: true });
    } finally {
      await tap.close();
    }
  }, 60_000);

  it('leaves out every event of an erased user except its end_user.deleted, which carries no personal data', async () => {
    const platform = await createTestPlatform(db);
    const externalId = `erased-replay-${Date.now()}`;
    const created = await request(api.server).post(`/v1/platforms/${platform.id}/end-users`).set(bearer(platform.key)).send({ external_id: externalId });
    const userId: string = created.body.id;
    await request(api.server).delete(`/v1/platforms/${platform.id}/end-users/${userId}`).set(bearer(platform.key)).expect(204);
    const [deleted]: { event_id: string }[] = await db.query("SELECT event_id FROM events WHERE stream_id = $1 AND event_type = 'EndUserDeleted'", [
      `end_user-${userId}`,
    ]);

    tap = await TopicTap.open([testTopic()], 'republish-erased');
    try {
      expect(await republishEvents(db, testDataKeys(), publisher, testTopic(), { fromPosition: 0n, endUserId: userId })).toBe(1);
      const [replay] = (await tap.waitFor((m) => m.key === userId && m.headers.replay === 'true', 1)).filter((m) => m.headers.replay === 'true');
      expect(JSON.parse(replay.value!)).toMatchObject({ event_id: deleted.event_id, event_type: 'end_user.deleted', data: { deleted_at: expect.any(String) } });
      expect(replay.value).not.toContain(externalId);
      expect(validateIntegrationEvent(JSON.parse(replay.value!))).toMatchObject({ valid: true });
    } finally {
      await tap.close();
    }
  }, 60_000);

  it('respects the position range', async () => {
    const platform = await createTestPlatform(db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await request(api.server)
        .post(`/v1/platforms/${platform.id}/end-users`)
        .set(bearer(platform.key))
        .send({ external_id: `range-${i}-${Date.now()}` });
      ids.push(created.body.id);
    }
    const positions: { p: string }[] = await db.query('SELECT global_position::text AS p FROM events WHERE stream_id = ANY($1) ORDER BY global_position', [
      ids.map((id) => `end_user-${id}`),
    ]);
    const published = await republishEvents(db, testDataKeys(), publisher, testTopic(), {
      fromPosition: BigInt(positions[1].p),
      toPosition: BigInt(positions[1].p),
    });
    expect(published).toBe(1);
  }, 60_000);
});
