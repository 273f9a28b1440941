import { toUsdString } from '@app/budgets';
import { decide, EndUserState, EndUserWasDeleted, initialState, IssuedApiKey } from '@app/end-users';
import { generateKey, GeneratedKey } from '@app/keys';
import { Sql } from '@app/persistence';
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
      async () => (await this.createIfUnclaimed(command, key)) ?? (await this.streams.write((sql) => this.issueKeyToClaimHolder(sql, command, key))),
      // The claim holder was deleted between our claim attempt and our append: start over.
      (error) => error instanceof EndUserWasDeleted,
    );
  }

  /** The first request for an external id: one statement claims it and creates the user. */
  private async createIfUnclaimed(command: CreateEndUserCommand, key: GeneratedKey): Promise<CreateEndUserResult | null> {
    const endUserId = randomUUID();
    const keyId = randomUUID();
    const now = new Date();
    const events = decide(
      {
        type: 'CreateEndUser',
        data: {
          endUserId,
          platformId: command.platformId,
          externalId: command.externalId,
          displayName: command.displayName,
          metadata: command.metadata,
          apiKey: { keyId, keyPrefix: key.prefix },
          budgetId: randomUUID(),
          defaultBudgetUsd: command.defaultBudgetUsd === null ? null : toUsdString(command.defaultBudgetUsd),
          now,
        },
      },
      initialState(),
    );
    const saved = await this.streams.createIfUnclaimed(
      { platformId: command.platformId, externalId: command.externalId, keyId, keyHash: key.hash },
      endUserId,
      events,
      { ...command.context, occurredAt: now.toISOString() },
    );
    return saved && { created: true, body: this.present(saved.state, keyId, key), version: saved.version };
  }

  /** Every other request: a fresh key for the user holding the claim, whose row it locks. */
  private async issueKeyToClaimHolder(sql: Sql, command: CreateEndUserCommand, key: GeneratedKey): Promise<CreateEndUserResult> {
    // Repeat creates of one user queue on its claim row instead of racing for the next stream version.
    const [claim] = await sql.query<{ end_user_id: string }>(
      'SELECT end_user_id FROM end_user_external_ids WHERE platform_id = $1 AND external_id = $2 FOR UPDATE',
      [command.platformId, command.externalId],
    );
    // The holder was deleted since our claim attempt: the whole attempt starts over.
    if (!claim) throw new EndUserWasDeleted(command.externalId);
    const existingId = claim.end_user_id;
    const keyId = randomUUID();
    const now = new Date();
    const loaded = await this.streams.load(sql, existingId);
    const events = decide(
      { type: 'IssueApiKey', data: { endUserId: existingId, platformId: command.platformId, apiKey: { keyId, keyPrefix: key.prefix }, now } },
      loaded.state,
    );
    const saved = await this.streams.save(sql, existingId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
    await sql.query('INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id) VALUES ($1, $2, $3, $4)', [
      keyId,
      key.hash,
      existingId,
      command.platformId,
    ]);
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
