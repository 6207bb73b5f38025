#!/usr/bin/env node
// The compiled entry point (`npm run build`; a checkout builds on `npm install`).
await import('../dist/main.js');
