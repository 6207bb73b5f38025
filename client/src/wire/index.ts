export * from './approvals.ts';
export * from './common.ts';
export * from './enrollment.ts';
export * from './metadata.ts';
export * from './mint.ts';
