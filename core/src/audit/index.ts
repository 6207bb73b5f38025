export * from './base64.ts';
export * from './checkpoint.ts';
export * from './cosignature.ts';
export * from './merkle.ts';
export * from './merkle-tree.ts';
export * from './note.ts';
export * from './receipt.ts';
