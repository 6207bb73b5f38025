export * from './merkle.ts';
