export * from './vault/index.ts';
export * from './config.ts';
export * from './daemon.ts';
export * from './server.ts';
export * from './service.ts';
export * from './open-vault.ts';
