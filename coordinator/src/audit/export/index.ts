export * from './directory-target.ts';
export * from './export-log.ts';
export * from './http-source.ts';
export * from './s3-target.ts';
export * from './target.ts';
