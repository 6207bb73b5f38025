export * from './dkg.ts';
export * from './dkg-envelope.ts';
export * from './errors.ts';
export { checkPoint, loadGroup } from './noble-group.ts';
export * from './types.ts';
