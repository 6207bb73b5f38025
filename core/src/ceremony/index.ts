export * from './approvals.ts';
export * from './guardian-key.ts';
export * from './outcome.ts';
export * from './transcript.ts';
