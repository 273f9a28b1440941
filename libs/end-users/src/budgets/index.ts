export * from './money';
export * from './auto-budget';
export * from './opening-ledger-entry';
