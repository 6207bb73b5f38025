export * from './config.ts';
export * from './pkcs11-vault.ts';
