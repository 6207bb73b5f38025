export * from './bundle-update.ts';
export * from './data.ts';
export * from './engine.ts';
export * from './enroll.ts';
export * from './input.ts';
export * from './mint-input.ts';
export * from './open-holder.ts';
export * from './signed-bundle.ts';
