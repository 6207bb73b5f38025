export * from './credentials.ts';
export * from './dev-pki.ts';
