export * from './mint-approval.ts';
