import fc from 'fast-check';
import { commandSequenceArb, FOREIGN_PLATFORM, OWN_PLATFORM } from '../../../test/support/end-user-arbitraries';
import { EndUserCommand } from './commands';
import { decide } from './decide';
import { EndUserAlreadyExists, EndUserNotFound, EndUserRuleViolation, EndUserWasDeleted } from './errors';
import { EndUserChanges, EndUserEvent } from './events';
import { evolve, fold } from './evolve';
import { JsonObject } from './json';
import { EndUserState, initialState } from './state';

/**
 * Properties of the decider over arbitrary command sequences (create, issue key, update with any
 * subset of fields, delete; for the own and a foreign platform; before and after create and
 * delete). The oracle below restates the rules independently of decide/evolve.
 */

const END_USER_ID = '33333333-3333-4333-8333-333333333333';
const RUNS = { numRuns: 200 };

/** The rules as a plain model: who owns the stream and what the user looks like. */
type Model =
  | { status: 'absent' }
  | { status: 'existing' | 'deleted'; owner: string; displayName: string | null; metadata: JsonObject; isActive: boolean; keyIds: string[] };

type Expected = { rejects: new (...args: never[]) => EndUserRuleViolation } | { accepts: true };

/** Order-insensitive JSON equality, written differently from decide's on purpose. */
const canonical = (value: unknown): string =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? `{${Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
        .join(',')}}`
    : Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : JSON.stringify(value);

function expectedOutcome(model: Model, command: EndUserCommand): Expected {
  if (command.type === 'CreateEndUser') return model.status === 'absent' ? { accepts: true } : { rejects: EndUserAlreadyExists };
  if (model.status === 'absent' || model.owner !== command.data.platformId) return { rejects: EndUserNotFound };
  if (model.status === 'deleted') return { rejects: EndUserWasDeleted };
  return { accepts: true };
}

/** The fields of a requested update whose value differs from the model's. */
function differingChanges(model: Extract<Model, { owner: string }>, requested: EndUserChanges): EndUserChanges {
  const changes: EndUserChanges = {};
  if (requested.displayName !== undefined && requested.displayName !== model.displayName) changes.displayName = requested.displayName;
  if (requested.metadata !== undefined && canonical(requested.metadata) !== canonical(model.metadata)) changes.metadata = requested.metadata;
  if (requested.isActive !== undefined && requested.isActive !== model.isActive) changes.isActive = requested.isActive;
  return changes;
}

function tryDecide(command: EndUserCommand, state: EndUserState): { events: EndUserEvent[] } | { error: unknown } {
  try {
    return { events: decide(command, state) };
  } catch (error) {
    return { error };
  }
}

interface Run {
  state: EndUserState;
  emitted: EndUserEvent[];
  model: Model;
}

/** Runs the sequence, checking each decision against the model (rules b and c) as it goes. */
function runChecked(commands: EndUserCommand[]): Run {
  let state = initialState();
  let model: Model = { status: 'absent' };
  const emitted: EndUserEvent[] = [];
  for (const command of commands) {
    const expected = expectedOutcome(model, command);
    const outcome = tryDecide(command, state);
    if ('rejects' in expected) {
      expect(outcome).toEqual({ error: expect.any(expected.rejects) });
      continue;
    }
    if ('error' in outcome) throw new Error(`${command.type} should be accepted in state ${model.status}, but: ${String(outcome.error)}`);
    const { events } = outcome;
    const now = command.data.now.toISOString();
    switch (command.type) {
      case 'CreateEndUser': {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'EndUserCreated', data: { endUserId: END_USER_ID, platformId: command.data.platformId, createdAt: now } });
        const budget = events[0].type === 'EndUserCreated' ? events[0].data.budget : undefined;
        expect(budget === null).toBe(command.data.defaultBudgetUsd === null);
        model = {
          status: 'existing',
          owner: command.data.platformId,
          displayName: command.data.displayName,
          metadata: command.data.metadata,
          isActive: true,
          keyIds: [command.data.apiKey.keyId],
        };
        break;
      }
      case 'IssueApiKey': {
        expect(events).toEqual([
          {
            type: 'EndUserApiKeyIssued',
            data: { endUserId: END_USER_ID, apiKey: expect.objectContaining({ keyId: command.data.apiKey.keyId, issuedAt: now }) },
          },
        ]);
        if (model.status !== 'absent') model.keyIds.push(command.data.apiKey.keyId);
        break;
      }
      case 'UpdateEndUser': {
        const live = model as Extract<Model, { owner: string }>;
        if (live.status !== 'existing') throw new Error('unreachable: accepted update on a non-existing model');
        const changes = differingChanges(live, command.data.changes);
        // (c) only what differs, and never an event with an empty change
        if (Object.keys(changes).length === 0) {
          expect(events).toEqual([]);
        } else {
          expect(events).toEqual([{ type: 'EndUserUpdated', data: { endUserId: END_USER_ID, changes, updatedAt: now } }]);
          expect(Object.keys((events[0] as Extract<EndUserEvent, { type: 'EndUserUpdated' }>).data.changes).length).toBeGreaterThan(0);
        }
        model = { ...live, ...changes };
        break;
      }
      case 'DeleteEndUser': {
        const live = model as Extract<Model, { owner: string }>;
        if (live.status !== 'existing') throw new Error('unreachable: accepted delete on a non-existing model');
        expect(events).toEqual([
          { type: 'EndUserDeleted', data: { endUserId: END_USER_ID, platformId: live.owner, externalId: `ext-${END_USER_ID}`, deletedAt: now } },
        ]);
        model = { ...live, status: 'deleted' };
        break;
      }
    }
    state = events.reduce(evolve, state);
    emitted.push(...events);
  }
  return { state, emitted, model };
}

/** One command of each kind for each platform, to probe a state with. */
function probesAt(now: Date): EndUserCommand[] {
  const apiKey = { keyId: 'probe-key', keyPrefix: 'sk-eu_pp' };
  return [OWN_PLATFORM, FOREIGN_PLATFORM].flatMap((platformId): EndUserCommand[] => [
    {
      type: 'CreateEndUser',
      data: {
        endUserId: END_USER_ID,
        platformId,
        externalId: 'probe',
        displayName: null,
        metadata: {},
        apiKey,
        budgetId: 'probe-budget',
        defaultBudgetUsd: null,
        now,
      },
    },
    { type: 'IssueApiKey', data: { endUserId: END_USER_ID, platformId, apiKey, now } },
    { type: 'UpdateEndUser', data: { endUserId: END_USER_ID, platformId, changes: {}, now } },
    { type: 'UpdateEndUser', data: { endUserId: END_USER_ID, platformId, changes: { displayName: null, isActive: false }, now } },
    { type: 'DeleteEndUser', data: { endUserId: END_USER_ID, platformId, now } },
  ]);
}

/** The model read back from a state (for probing; the checked run builds its model independently). */
function modelOf(state: EndUserState): Model {
  if (state.status === 'absent') return { status: 'absent' };
  const { user } = state;
  return {
    status: state.status,
    owner: user.platformId,
    displayName: user.displayName,
    metadata: user.metadata,
    isActive: user.isActive,
    keyIds: state.apiKeys.map((k) => k.keyId),
  };
}

describe('end user decider (properties)', () => {
  const sequences = commandSequenceArb(END_USER_ID);

  it('(a) the state kept while deciding equals the fold of every emitted event, and agrees with the model', () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        const { state, emitted, model } = runChecked(commands);
        expect(state).toEqual(fold(emitted, initialState()));
        if (model.status === 'absent') {
          expect(state).toEqual({ status: 'absent' });
        } else {
          expect(state).toMatchObject({
            status: model.status,
            user: { id: END_USER_ID, platformId: model.owner, displayName: model.displayName, isActive: model.isActive },
          });
          if (state.status !== 'absent') {
            expect(canonical(state.user.metadata)).toBe(canonical(model.metadata));
            expect(state.apiKeys.map((key) => key.keyId)).toEqual(model.keyIds);
          }
        }
      }),
      RUNS,
    );
  });

  it('(b) rejects exactly what the rules forbid and accepts everything else, for every kind of command at every step', () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        let state = initialState();
        let model: Model = { status: 'absent' };
        for (const command of [...commands, null]) {
          // Probe the state reached so far with every command kind, for both platforms.
          for (const probe of probesAt(command?.data.now ?? new Date(0))) {
            const expected = expectedOutcome(model, probe);
            const outcome = tryDecide(probe, state);
            if ('rejects' in expected) expect(outcome).toEqual({ error: expect.any(expected.rejects) });
            else expect(outcome).toEqual({ events: expect.any(Array) });
          }
          if (command === null) break;
          const outcome = tryDecide(command, state);
          if ('events' in outcome) {
            state = fold(outcome.events, state);
            model = modelOf(state);
          }
        }
      }),
      RUNS,
    );
  });

  it('(b) a foreign platform can neither see nor change a user: every non-create command is EndUserNotFound', () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        let state = initialState();
        for (const command of commands) {
          const owner = state.status === 'absent' ? null : state.user.platformId;
          const outcome = tryDecide(command, state);
          if (command.type !== 'CreateEndUser' && owner !== null && owner !== command.data.platformId) {
            expect(outcome).toEqual({ error: expect.any(EndUserNotFound) });
          }
          if ('events' in outcome) state = fold(outcome.events, state);
        }
      }),
      RUNS,
    );
  });

  it('(c) an update emits only the fields that differ, never an empty change, and re-sending it changes nothing', () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        let state = initialState();
        for (const command of commands) {
          const outcome = tryDecide(command, state);
          if (!('events' in outcome)) continue;
          if (command.type === 'UpdateEndUser' && state.status === 'existing') {
            const before = state.user;
            for (const event of outcome.events) {
              if (event.type !== 'EndUserUpdated') throw new Error(`an update emitted ${event.type}`);
              const { changes } = event.data;
              expect(Object.keys(changes).length).toBeGreaterThan(0);
              for (const key of Object.keys(changes) as (keyof EndUserChanges)[]) {
                expect(canonical(changes[key])).not.toBe(canonical(before[key]));
                expect(canonical(changes[key])).toBe(canonical(command.data.changes[key]));
              }
            }
            const after = fold(outcome.events, state);
            // The same update again is a no-op: it was fully applied.
            expect(decide(command, after)).toEqual([]);
          }
          state = fold(outcome.events, state);
        }
      }),
      RUNS,
    );
  });
});
