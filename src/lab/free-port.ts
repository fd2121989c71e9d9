// A TCP port that is free on loopback right now: bind port 0, read what the
// kernel chose, release it. Another process could take it before the server
// binds it; on a benchmark machine that race is rare enough, and the server
// would fail loudly (EADDRINUSE) rather than measure the wrong thing.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('kernel gave no port'))));
    });
  });
}
