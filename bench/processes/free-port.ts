// Picks ports on 127.0.0.1 that are free right now (bound to port 0, then released).
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const SAME_NUMBER_ATTEMPTS = 20;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not read the port of a probe listener');
  return address.port;
}

function udpPortFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A port number free for both TCP and UDP: DNS servers listen on both with the same number. */
export async function freeTcpAndUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < SAME_NUMBER_ATTEMPTS; attempt++) {
    const port = await freePort();
    if (await udpPortFree(port)) return port;
  }
  throw new Error(`found no port free for both TCP and UDP in ${SAME_NUMBER_ATTEMPTS} attempts`);
}
