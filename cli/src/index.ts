export { loginForIdToken } from './commands/tap/idp-login.ts';
export * from './dev/idp.ts';
export * from './dev/layout.ts';
export * from './dev/processes.ts';
export * from './dev/stack.ts';
export * from './oidc/index.ts';
export { BIN, buildProgram, VERSION } from './program.ts';
