export * from './check.ts';
export * from './credentials.ts';
export * from './dev-pki.ts';
export * from './fingerprint.ts';
