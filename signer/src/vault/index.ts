export { DEV_VAULT_WARNING, DevShareVault, type DevVaultOptions } from './dev/dev-vault.ts';
export * from './errors.ts';
export * from './pkcs11/index.ts';
export * from './types.ts';
