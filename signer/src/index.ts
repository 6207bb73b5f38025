export * from './attestation/index.ts';
export * from './config.ts';
export * from './daemon.ts';
export * from './open-vault.ts';
export * from './pkcs11/index.ts';
export * from './server.ts';
export * from './service.ts';
export * from './vault/index.ts';
