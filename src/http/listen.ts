/**
 * The one way this project serves a Hono app over HTTP (the web app, the sandbox, the fakes and the
 * benches). It keeps Node's own Response class: @hono/node-server would otherwise swap the
 * process-wide class on its first serve(), and a RESPONSE_ALREADY_SENT (the sandbox's reset and
 * truncate faults) made after that swap is answered a second time. The lighter class saves about
 * 0.2 ms per answer; not worth it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface Listening {
  server: Server;
  /** The address it listens on (the port the system chose when asked for port 0). */
  address: AddressInfo;
}

/** Serves `fetch` on `host:port` (port 0: any free one); resolves once listening, rejects if it cannot. */
export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  options: { port: number; host: string },
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch, port: options.port, hostname: options.host, overrideGlobalObjects: false },
      (address) => resolve({ server, address }),
    ) as Server;
    server.once('error', reject);
  });
}
