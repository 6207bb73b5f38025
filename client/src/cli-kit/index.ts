export * from './errors.ts';
export * from './exit-codes.ts';
export * from './options.ts';
export * from './output.ts';
export * from './program.ts';
export { warnDeprecated } from './warnings.ts';
