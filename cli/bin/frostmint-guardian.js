#!/usr/bin/env node
// `frostmint-guardian` ships in @frostmint/cli; its code is the @frostmint/guardian-cli package.
await import('@frostmint/guardian-cli/main');
