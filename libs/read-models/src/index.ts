export * from './end-user-projection';
export * from './end-user-rows';
