import {
  decide,
  EndUserChanges,
  EndUserCommand,
  EndUserEvent,
  EndUserRuleViolation,
  EndUserState,
  evolve,
  initialState,
  JsonObject,
  JsonValue,
} from '@app/end-users';
import fc from 'fast-check';

/**
 * fast-check generators for the end-user decider: arbitrary command sequences against one stream,
 * for its own platform and a foreign one, before and after create and delete. Ids, keys and time
 * come in with the command (as in the app), so every generated run is deterministic.
 */

export const OWN_PLATFORM = '11111111-1111-4111-8111-111111111111';
export const FOREIGN_PLATFORM = '22222222-2222-4222-8222-222222222222';
const T0 = Date.parse('2026-04-08T10:30:00.000Z');

/** A JSON value that survives a jsonb round trip unchanged (no -0, no floats that print differently). */
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.constantFrom('pro', 'team', '', 'Żółć 🙂', 'a\u0301', '\u202Eltr'),
  fc.boolean(),
  fc.constant(null),
);
const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'plan'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Metadata that often equals a previous value: a few fixed objects (fresh copies, keys in either order) and small random ones. */
export const metadataArb: fc.Arbitrary<JsonObject> = fc.oneof(
  fc
    .constantFrom<JsonObject>({}, { plan: 'pro' }, { plan: 'team' }, { a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })
    .map((m) => structuredClone(m)),
  fc.dictionary(fc.constantFrom('plan', 'seats', 'a', 'b'), jsonValue, { maxKeys: 3 }) as fc.Arbitrary<JsonObject>,
);

export const displayNameArb: fc.Arbitrary<string | null> = fc.oneof(
  fc.constantFrom<string | null>(null, 'Jane', 'Jane Smith', 'Żółć 🙂'),
  fc.string({ maxLength: 4 }),
);

/** A random subset of the updatable fields, each possibly equal to the current value. */
export const changesArb: fc.Arbitrary<EndUserChanges> = fc.record(
  { displayName: displayNameArb, metadata: metadataArb, isActive: fc.boolean() },
  { requiredKeys: [] },
);

type Intent =
  | { kind: 'create'; platform: string; displayName: string | null; metadata: JsonObject; defaultBudgetUsd: string | null; keyPrefix: string }
  | { kind: 'issue'; platform: string; keyPrefix: string }
  | { kind: 'update'; platform: string; changes: EndUserChanges }
  | { kind: 'delete'; platform: string };

const platformArb = fc.oneof({ weight: 4, arbitrary: fc.constant(OWN_PLATFORM) }, { weight: 1, arbitrary: fc.constant(FOREIGN_PLATFORM) });
const keyPrefixArb = fc.stringMatching(/^[0-9a-f]{2}$/).map((hex) => `sk-eu_${hex}`);

const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      platform: platformArb,
      displayName: displayNameArb,
      metadata: metadataArb,
      defaultBudgetUsd: fc.constantFrom(null, '25.000000', '0.500000'),
      keyPrefix: keyPrefixArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('issue' as const), platform: platformArb, keyPrefix: keyPrefixArb }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('update' as const), platform: platformArb, changes: changesArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), platform: platformArb }) },
);

function toCommand(intent: Intent, index: number, endUserId: string, now: Date): EndUserCommand {
  const apiKey = { keyId: `${endUserId}-key-${index}`, keyPrefix: intent.kind === 'create' || intent.kind === 'issue' ? intent.keyPrefix : 'sk-eu_00' };
  switch (intent.kind) {
    case 'create':
      return {
        type: 'CreateEndUser',
        data: {
          endUserId,
          platformId: intent.platform,
          externalId: `ext-${endUserId}`,
          displayName: intent.displayName,
          metadata: intent.metadata,
          apiKey,
          budgetId: `${endUserId}-budget-${index}`,
          defaultBudgetUsd: intent.defaultBudgetUsd,
          now,
        },
      };
    case 'issue':
      return { type: 'IssueApiKey', data: { endUserId, platformId: intent.platform, apiKey, now } };
    case 'update':
      return { type: 'UpdateEndUser', data: { endUserId, platformId: intent.platform, changes: intent.changes, now } };
    case 'delete':
      return { type: 'DeleteEndUser', data: { endUserId, platformId: intent.platform, now } };
  }
}

/**
 * A sequence of commands for one stream. Most sequences start with a create for the own platform
 * (so the interesting states are reached), the rest start anywhere. Time moves forward by 0-2 s per
 * command, so two commands can share an instant.
 */
export function commandSequenceArb(endUserId: string, maxLength = 30): fc.Arbitrary<EndUserCommand[]> {
  const leadingCreate = fc.oneof(
    { weight: 3, arbitrary: intentArb.filter((i) => i.kind === 'create').map((i) => [{ ...i, platform: OWN_PLATFORM }]) },
    { weight: 1, arbitrary: fc.constant([] as Intent[]) },
  );
  return fc.tuple(leadingCreate, fc.array(fc.tuple(intentArb, fc.integer({ min: 0, max: 2000 })), { maxLength })).map(([first, rest]) => {
    let at = T0;
    const steps: [Intent, number][] = [...first.map((i): [Intent, number] => [i, 0]), ...rest];
    return steps.map(([intent, step], index) => {
      at += step;
      return toCommand(intent, index, endUserId, new Date(at));
    });
  });
}

/** What the decider accepted, command by command: one batch of events per accepted command (an empty batch is dropped). */
export function acceptedBatches(commands: readonly EndUserCommand[]): { batches: EndUserEvent[][]; state: EndUserState } {
  let state = initialState();
  const batches: EndUserEvent[][] = [];
  for (const command of commands) {
    let events: EndUserEvent[];
    try {
      events = decide(command, state);
    } catch (error) {
      if (error instanceof EndUserRuleViolation) continue;
      throw error;
    }
    if (events.length === 0) continue;
    state = events.reduce(evolve, state);
    batches.push(events);
  }
  return { batches, state };
}

/** Splits a list at the positions `cuts` says (cut after item i when cuts[i]); never yields an empty part. */
export function splitAt<T>(items: readonly T[], cuts: readonly boolean[]): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  items.forEach((item, index) => {
    current.push(item);
    if (cuts[index] ?? false) {
      parts.push(current);
      current = [];
    }
  });
  if (current.length > 0) parts.push(current);
  return parts;
}
