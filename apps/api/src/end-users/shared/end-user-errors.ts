import { EndUserAlreadyExists, EndUserNotFound, EndUserWasDeleted } from '@app/end-users';
import { StreamVersionConflict } from '@app/event-store';
import { ApiError, registerErrorTranslator } from '@app/http';
import { StaleVersion } from './end-user-repository';
import { ExternalIdReleased } from './end-user-write-tables';

/** How the end-user rules read over HTTP: a deleted or foreign user is simply not found. */
registerErrorTranslator((error) => {
  if (error instanceof EndUserNotFound || error instanceof EndUserWasDeleted) return ApiError.notFound('End user');
  if (error instanceof EndUserAlreadyExists) return new ApiError('conflict', 'End user already exists');
  if (error instanceof StreamVersionConflict || error instanceof ExternalIdReleased) {
    return new ApiError('conflict', 'The end user was changed concurrently; retry the request');
  }
  if (error instanceof StaleVersion) {
    return new ApiError('precondition_failed', error.message, [{ field: 'If-Match', issue: 'stale_version', current_version: error.currentVersion }]);
  }
  return undefined;
});
