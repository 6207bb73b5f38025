export * from './dev/layout.ts';
export * from './dev/processes.ts';
export * from './dev/stack.ts';
export * from './oidc/index.ts';
