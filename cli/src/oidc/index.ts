export * from './await-approvals.ts';
export * from './id-token.ts';
