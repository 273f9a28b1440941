import { toUsdString } from '@app/end-users';
import { decide, EndUserCommand, EndUserState } from '@app/end-users';
import { generateKey } from '@app/platforms';
import { Database } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { findBudgetOfEndUser } from '../../budgets/shared/budget-rows';
import { budgetResponse, decidedBudgetResponse } from '../../budgets/shared/budget.response';
import { createdApiKeyResponse, endUserResponseFromState } from '../shared/end-user.response';
import { EndUserRepository } from '../shared/end-user-repository';
import { CreateEndUserCommand, CreateEndUserResult } from './create-end-user.command';

/**
 * Idempotent on (platform, external_id): the first request creates the user (and claims the
 * external id); every other one, racing or later, issues a fresh key to the user holding it.
 */
@CommandHandler(CreateEndUserCommand)
export class CreateEndUserHandler implements ICommandHandler<CreateEndUserCommand, CreateEndUserResult> {
  constructor(
    private readonly endUsers: EndUserRepository,
    private readonly db: Database,
  ) {}

  async execute(command: CreateEndUserCommand): Promise<CreateEndUserResult> {
    const key = generateKey('end_user');
    const apiKey = { keyId: randomUUID(), keyPrefix: key.prefix };
    const newEndUserId = randomUUID();
    const budgetId = randomUUID();
    const { platformId, externalId } = command;
    const toCommand = (state: EndUserState, now: Date): EndUserCommand =>
      state.status === 'absent'
        ? {
            type: 'CreateEndUser',
            data: {
              endUserId: newEndUserId,
              platformId,
              externalId,
              displayName: command.displayName,
              metadata: command.metadata,
              apiKey,
              budgetId,
              defaultBudgetUsd: command.defaultBudgetUsd === null ? null : toUsdString(command.defaultBudgetUsd),
              now,
            },
          }
        : { type: 'IssueApiKey', data: { endUserId: state.user.id, platformId, apiKey, now } };

    const { state, version, events } = await this.endUsers.handle(
      { platformId, externalId, newEndUserId },
      (current, now) => decide(toCommand(current, now), current),
      { context: command.context, keyHashes: new Map([[apiKey.keyId, key.hash]]) },
    );
    if (state.status !== 'existing') throw new Error('a created end user must exist');
    const created = events[0].type === 'EndUserCreated';
    // A repeat shows the budget as it is now once the worker provisioned it (spend included).
    const provisioned = created ? null : (await findBudgetOfEndUser(this.db, platformId, state.user.id)).budget;
    const issued = state.apiKeys.find((issuedKey) => issuedKey.keyId === apiKey.keyId)!;
    return {
      created,
      version,
      body: {
        ...endUserResponseFromState(state.user),
        api_key: createdApiKeyResponse(issued, state.user, key.raw),
        budget: provisioned ? budgetResponse(provisioned) : state.budget && decidedBudgetResponse(state.budget, state.user),
      },
    };
  }
}
