import { runHealthcheck } from '@frostmint/core';
import { loadSignerConfig } from './config.ts';
import { grpcHealthCheck } from './health.ts';

// Container health probe: `node signer/dist/healthcheck.js --config <file>` (no shell, no
// grpc_health_probe binary in the image): grpc.health.v1 on this container's health listener.
runHealthcheck(async (path) => {
  const config = await loadSignerConfig(path);
  if (!config.healthListen) return 'the signer config sets no healthListen';
  const status = await grpcHealthCheck(`127.0.0.1:${config.healthListen.split(':')[1]}`);
  return status === 'SERVING' ? undefined : status;
});
