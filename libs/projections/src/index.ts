export * from './stream-folder';
export * from './rebuild-projection';
export * from './projection-status';
export * from './read-models';
export { END_USER_EVENTS, END_USER_EVENTS_PARAMS, EVENT_COLUMNS } from './fold-streams';
