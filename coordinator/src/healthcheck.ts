import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { runHealthcheck } from '@frostmint/core';
import { loadCoordinatorConfig } from './config.ts';

/** Status of GET /healthz on loopback `port`. */
function healthz(port: number, https: boolean): Promise<number> {
  const request = https ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      // The certificate names the public host, not 127.0.0.1; nothing but this GET is sent.
      { host: '127.0.0.1', port, path: '/healthz', timeout: 3_000, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Container health probe: `node coordinator/dist/healthcheck.js --config <file>` (no curl,
// no shell in the image): GET /healthz on this container's own listener.
runHealthcheck(async (path) => {
  const config = await loadCoordinatorConfig(path);
  const status = await healthz(Number(config.listen.split(':')[1]), config.https !== undefined);
  return status === 200 ? undefined : `/healthz answered ${status}`;
});
