export * from './data.ts';
export * from './engine.ts';
export * from './input.ts';
