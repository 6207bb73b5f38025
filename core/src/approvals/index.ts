export * from './guardian-binding.ts';
export * from './mint-approval.ts';
export * from './webauthn-approval.ts';
