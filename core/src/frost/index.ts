export * from './dkg.ts';
export * from './dkg-envelope.ts';
export * from './errors.ts';
export { checkPoint, loadGroup } from './noble-group.ts';
export * from './refresh.ts';
export * from './repair.ts';
export * from './types.ts';
