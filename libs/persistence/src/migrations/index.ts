import { EventStore1764300000000 } from './1764300000000-event-store';
import { Platforms1764300000001 } from './1764300000001-platforms';
import { EndUsers1764300000002 } from './1764300000002-end-users';
import { OutboxAndInbox1764300000003 } from './1764300000003-outbox-and-inbox';
import { BudgetsRateLimitsMcp1764300000004 } from './1764300000004-budgets-rate-limits-mcp';
import { ProjectionOperations1764300000005 } from './1764300000005-projection-operations';
import { EndUserCounts1764300000006 } from './1764300000006-end-user-counts';
import { IdempotencyKeys1764300000007 } from './1764300000007-idempotency-keys';
import { IdempotencyAttempts1764300000010 } from './1764300000010-idempotency-attempts';
import { OutboxAutovacuum1764300000011 } from './1764300000011-outbox-autovacuum';
import { IdempotencyErasure1764300000012 } from './1764300000012-idempotency-erasure';
import { EndUserDataKeys1764300000013 } from './1764300000013-end-user-data-keys';
import { SealLegacyEvents1764300000014 } from './1764300000014-seal-legacy-events';
import { NoStatisticsOfPersonalColumns1764300000015 } from './1764300000015-no-statistics-of-personal-columns';

/** In order; a released migration is never edited, only followed by a new one. */
export const migrations = [
  EventStore1764300000000,
  Platforms1764300000001,
  EndUsers1764300000002,
  OutboxAndInbox1764300000003,
  BudgetsRateLimitsMcp1764300000004,
  ProjectionOperations1764300000005,
  EndUserCounts1764300000006,
  IdempotencyKeys1764300000007,
  IdempotencyAttempts1764300000010,
  OutboxAutovacuum1764300000011,
  IdempotencyErasure1764300000012,
  EndUserDataKeys1764300000013,
  SealLegacyEvents1764300000014,
  NoStatisticsOfPersonalColumns1764300000015,
];
