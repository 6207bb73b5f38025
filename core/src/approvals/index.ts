export * from './enrollment-approval.ts';
export * from './guardian-approvals.ts';
export * from './guardian-binding.ts';
export * from './mint-approval.ts';
export * from './webauthn-approval.ts';
