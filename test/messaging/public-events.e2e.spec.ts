import { validateIntegrationEvent } from '@app/contracts';
import { PlatformClient, sha256Hex } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';
import { TappedMessage, testTopic, TopicTap } from '../support/kafka';
import { RAW_KEY_PATTERN } from '../support/messaging';

jest.setTimeout(60_000);

/**
 * A downstream consumer's view of the public contract: what the relay puts on the topic for a
 * create, an update, a repeat create and a delete. The tap is a separate consumer group that
 * joined before anything was produced; it reads only the keys of this test's own users.
 */
describe('public events on the topic (a downstream consumer)', () => {
  const e2e = useE2eFixture({ open: { tap: () => TopicTap.open([testTopic()], 'public-events') } });

  interface Lifecycle {
    user: Record<string, any>;
    repeat: Record<string, any>;
    secrets: string[];
  }

  /** create → update → repeat create → delete; returns what the API answered and every secret involved. */
  async function lifecycle(c: PlatformClient, steps: { onUpdate?: () => Promise<void> } = {}): Promise<Lifecycle> {
    const user = await c.createOk(undefined, { display_name: 'Ada', metadata: { plan: 'pro' } });
    const patched = await c.patch(user.id, { display_name: 'Ada L.' });
    expect(patched.status).toBe(200);
    await steps.onUpdate?.();
    const repeat = await c.create({ external_id: user.external_id });
    expect(repeat.status).toBe(200);
    const hashes: Array<{ hex: string; b64: string }> = await e2e.db.query(
      `SELECT encode(key_hash, 'hex') AS hex, encode(key_hash, 'base64') AS b64 FROM end_user_key_hashes WHERE end_user_id = $1`,
      [user.id],
    );
    expect(hashes).toHaveLength(2);
    expect((await c.delete(user.id)).status).toBe(204);
    const raws = [user.api_key.raw_key, repeat.body.api_key.raw_key];
    const secrets = [...raws, ...raws.map(sha256Hex), ...raws.map((raw) => raw.slice('sk-eu_'.length)), ...hashes.flatMap((hash) => [hash.hex, hash.b64])];
    return { user, repeat: repeat.body, secrets };
  }

  function expectWellFormed(message: TappedMessage, endUserId: string): Record<string, any> {
    expect(message.topic).toBe(testTopic());
    expect(message.key).toBe(endUserId);
    expect(message.value).not.toBeNull();
    const payload = JSON.parse(message.value!);
    const verdict = validateIntegrationEvent(payload);
    expect(verdict.valid ? [] : verdict.errors).toEqual([]);
    expect(message.headers.event_type).toBe(payload.event_type);
    expect(message.headers.schema_version).toBe(String(payload.schema_version));
    expect(message.headers.schema_version).toBe('1');
    expect(payload.end_user_id).toBe(endUserId);
    return payload;
  }

  function expectNoSecrets(messages: TappedMessage[], secrets: string[]): void {
    for (const message of messages) {
      const everything = JSON.stringify({ key: message.key, value: message.value, headers: message.headers });
      expect(everything).not.toMatch(RAW_KEY_PATTERN);
      for (const secret of secrets) expect({ offset: message.offset, leaked: everything.includes(secret) }).toEqual({ offset: message.offset, leaked: false });
      expect(everything).not.toMatch(/raw_key|key_hash/);
    }
  }

  it('publishes created, updated, api_key_issued, deleted for one user: schema-valid, headers, key = end_user_id, in order, no key material', async () => {
    const c = await e2e.client({ default_budget_usd: 20 });
    const { user, repeat, secrets } = await lifecycle(c);

    await e2e.tap.waitForKey(user.id, 4);
    await e2e.tap.catchUp();
    const messages = e2e.tap.withKey(user.id);
    expect(messages).toHaveLength(4);
    expect(new Set(messages.map((message) => message.partition)).size).toBe(1);
    const payloads = messages.map((message) => expectWellFormed(message, user.id));
    expect(payloads.map((payload) => payload.event_type)).toEqual(['end_user.created', 'end_user.updated', 'end_user.api_key_issued', 'end_user.deleted']);
    expect(new Set(payloads.map((payload) => payload.event_id)).size).toBe(4);
    for (const [index, payload] of payloads.entries()) {
      expect(payload.platform_id).toBe(c.platform.id);
      expect(messages[index].headers.event_id).toBe(payload.event_id);
      if (index > 0) expect(Date.parse(payload.occurred_at)).toBeGreaterThanOrEqual(Date.parse(payloads[index - 1].occurred_at));
    }

    const [created, updated, issued, deleted] = payloads;
    expect(created.data).toEqual({
      external_id: user.external_id,
      display_name: 'Ada',
      metadata: { plan: 'pro' },
      is_active: true,
      created_at: user.created_at,
      api_key: { id: user.api_key.id, key_prefix: user.api_key.key_prefix, name: 'Default key', scopes: ['inference'], created_at: user.api_key.created_at },
      budget: { id: user.budget.id, max_usd: 20, period: 'monthly', period_start: user.budget.period_start },
    });
    expect(updated.data.changes).toEqual({ display_name: 'Ada L.' });
    expect(issued.data.api_key).toEqual({
      id: repeat.api_key.id,
      key_prefix: repeat.api_key.key_prefix,
      name: 'Default key',
      scopes: ['inference'],
      created_at: repeat.api_key.created_at,
    });
    // The delete erased the user's personal data: its notice carries none (docs/privacy.md).
    expect(deleted.data).toEqual({ deleted_at: expect.any(String) });

    expectNoSecrets(messages, secrets);
  });

  it('keeps each user in order when two users are changed interleaved, and publishes budget null when there is no default', async () => {
    const c = await e2e.client();
    const other = await e2e.client({ default_budget_usd: 1 });
    let second: Lifecycle | undefined;
    // The second user's whole lifecycle runs while the first is between its update and its repeat create.
    const first = await lifecycle(c, {
      onUpdate: async () => {
        second = await lifecycle(other);
      },
    });

    for (const { user } of [first, second!]) await e2e.tap.waitForKey(user.id, 4);
    await e2e.tap.catchUp();
    for (const { user, secrets } of [first, second!]) {
      const messages = e2e.tap.withKey(user.id);
      expect(messages).toHaveLength(4);
      const payloads = messages.map((message) => expectWellFormed(message, user.id));
      expect(payloads.map((payload) => payload.event_type)).toEqual(['end_user.created', 'end_user.updated', 'end_user.api_key_issued', 'end_user.deleted']);
      expectNoSecrets(messages, secrets);
    }
    const [firstCreated] = e2e.tap.withKey(first.user.id);
    expect(JSON.parse(firstCreated.value!).data.budget).toBeNull();
  });

  it('publishes one message per event: none twice, none missing, even for 20 users created at once', async () => {
    const c = await e2e.client({ default_budget_usd: 2 });
    const users = await Promise.all(Array.from({ length: 20 }, () => c.createOk()));
    for (const user of users) {
      const messages = await e2e.tap.waitForKey(user.id, 1);
      expectWellFormed(messages[0], user.id);
    }
    const [{ unpublished }] = await e2e.db.query(
      'SELECT count(*)::int AS unpublished FROM outbox WHERE message_key = ANY($1::text[]) AND published_at IS NULL',
      [users.map((user) => user.id)],
    );
    expect(unpublished).toBe(0);
    // Everything on the topic now has been read: a duplicate would be counted.
    await e2e.tap.catchUp();
    for (const user of users) expect(e2e.tap.withKey(user.id)).toHaveLength(1);
  });
});
