export * from './aead';
export * from './kek-ring';
export * from './stream-field-cipher';
export * from './data-keys';
export * from './data-keys.provider';
