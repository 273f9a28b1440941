import { toUsdString } from '@app/budgets';
import { decide, EndUserState, EndUserWasDeleted, initialState, IssuedApiKey } from '@app/end-users';
import { generateKey, GeneratedKey } from '@app/keys';
import { Sql } from '@app/persistence';
import { PlatformSettings } from '@app/platforms';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { findBudgetOfEndUser } from '../../budgets/shared/budget-rows';
import { budgetResponse } from '../../budgets/shared/budget.response';
import { BudgetResponse, createdApiKeyResponse, decidedBudgetResponse, endUserResponseFromState } from '../shared/end-user.response';
import { EndUserStreams } from '../shared/end-user-streams';
import { retryOnConflict } from '../shared/retry-on-conflict';
import { CreateEndUserCommand, CreateEndUserResult } from './create-end-user.command';

/**
 * Idempotent on (platform, external_id): the first request claims the external id in the
 * append transaction and creates the user; every other one, racing or later, issues a fresh key
 * to the user that holds the claim.
 */
@CommandHandler(CreateEndUserCommand)
export class CreateEndUserHandler implements ICommandHandler<CreateEndUserCommand, CreateEndUserResult> {
  constructor(private readonly streams: EndUserStreams) {}

  execute(command: CreateEndUserCommand): Promise<CreateEndUserResult> {
    const key = generateKey('end_user');
    return retryOnConflict(
      () => this.streams.write((sql) => this.createOrIssueKey(sql, command, key)),
      // The claim holder was deleted between our read of the claim and our append: start over.
      (error) => error instanceof EndUserWasDeleted,
    );
  }

  private async createOrIssueKey(sql: Sql, command: CreateEndUserCommand, key: GeneratedKey): Promise<CreateEndUserResult> {
    const newId = randomUUID();
    const keyId = randomUUID();
    // One round trip claims the external id, stores the new key's hash with it and reads the
    // platform's settings as they are now (a default budget applies to users created after it is set).
    const claimed = await sql.query<{ settings: PlatformSettings }>(
      `WITH claim AS (
         INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id) VALUES ($1, $2, $3)
         ON CONFLICT (platform_id, external_id) DO NOTHING RETURNING end_user_id
       ),
       key_hash AS (
         INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id) SELECT $4, $5, end_user_id, $1 FROM claim
       )
       SELECT p.settings FROM claim JOIN platforms p ON p.id = $1`,
      [command.platformId, command.externalId, newId, keyId, key.hash],
    );
    const now = new Date();
    const metadata = { ...command.context, occurredAt: now.toISOString() };

    if (claimed.length === 1) {
      const defaultBudgetUsd = claimed[0].settings.default_budget_usd;
      const loaded = { state: initialState(), version: 0 };
      const events = decide(
        {
          type: 'CreateEndUser',
          data: {
            endUserId: newId,
            platformId: command.platformId,
            externalId: command.externalId,
            displayName: command.displayName,
            metadata: command.metadata,
            apiKey: { keyId, keyPrefix: key.prefix },
            budgetId: randomUUID(),
            defaultBudgetUsd: defaultBudgetUsd === undefined ? null : toUsdString(defaultBudgetUsd),
            now,
          },
        },
        loaded.state,
      );
      const saved = await this.streams.save(sql, newId, loaded, events, metadata);
      return { created: true, body: this.present(saved.state, keyId, key), version: saved.version };
    }

    // Repeat creates of one user queue on its claim row instead of racing for the next stream version.
    const [claim] = await sql.query<{ end_user_id: string }>(
      'SELECT end_user_id FROM end_user_external_ids WHERE platform_id = $1 AND external_id = $2 FOR UPDATE',
      [command.platformId, command.externalId],
    );
    // The holder was deleted between our insert and this read: the whole attempt starts over.
    if (!claim) throw new EndUserWasDeleted(command.externalId);
    const existingId = claim.end_user_id;
    const loaded = await this.streams.load(sql, existingId);
    const events = decide({ type: 'IssueApiKey', data: { endUserId: existingId, platformId: command.platformId, apiKey: { keyId, keyPrefix: key.prefix }, now } }, loaded.state);
    const saved = await this.streams.save(sql, existingId, loaded, events, metadata);
    await storeKeyHash(sql, keyId, key, existingId, command.platformId);
    // Once the worker provisioned the budget, the repeat shows it as it is now (spend included).
    const { budget } = await findBudgetOfEndUser(sql, command.platformId, existingId);
    return { created: false, body: this.present(saved.state, keyId, key, budget && budgetResponse(budget)), version: saved.version };
  }

  private present(state: EndUserState, keyId: string, key: GeneratedKey, provisioned: BudgetResponse | null = null): CreateEndUserResult['body'] {
    if (state.status !== 'existing') throw new Error('a saved end user must exist');
    const issued = state.apiKeys.find((apiKey: IssuedApiKey) => apiKey.keyId === keyId)!;
    return {
      ...endUserResponseFromState(state.user),
      api_key: createdApiKeyResponse(issued, state.user, key.raw),
      budget: provisioned ?? (state.budget ? decidedBudgetResponse(state.budget, state.user) : null),
    };
  }
}

/** The key hash is write-side state: it never enters an event, so it is stored beside the append. */
async function storeKeyHash(sql: Sql, keyId: string, key: GeneratedKey, endUserId: string, platformId: string): Promise<void> {
  await sql.query('INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id) VALUES ($1, $2, $3, $4)', [keyId, key.hash, endUserId, platformId]);
}
