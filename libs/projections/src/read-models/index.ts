export * from './stream-projection';
export * from './end-users.projection';
export * from './end-user-api-keys.projection';
export * from './end-user-projections';
export * from './end-user-rows';
