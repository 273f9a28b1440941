/** Business rule violations; the HTTP layer maps each to a status and a stable code. */
export abstract class EndUserRuleViolation extends Error {
  abstract readonly rule: string;
}

export class EndUserNotFound extends EndUserRuleViolation {
  readonly rule = 'end_user_not_found';
  constructor(readonly endUserId: string) {
    super(`End user ${endUserId} was not found`);
  }
}

export class EndUserAlreadyExists extends EndUserRuleViolation {
  readonly rule = 'end_user_already_exists';
  constructor(readonly endUserId: string) {
    super(`End user ${endUserId} already exists`);
  }
}

export class EndUserWasDeleted extends EndUserRuleViolation {
  readonly rule = 'end_user_deleted';
  constructor(readonly endUserId: string) {
    super(`End user ${endUserId} was deleted`);
  }
}
