export * from './await-approvals.ts';
export * from './exchange.ts';
export * from './exit-codes.ts';
export * from './id-token.ts';
export * from './output.ts';
