export * from './types.ts';
export * from './errors.ts';
export { DevShareVault, DEV_VAULT_WARNING, type DevVaultOptions } from './dev/dev-vault.ts';
