// Opens many keep-alive connections, sends one small GET on each, then leaves them idle for the caller to hold.
import { connect, type Socket } from 'node:net';
import { SMALL_PATH } from '../origins/payloads.js';

export interface IdleConnections {
  /** Connections that got a 200 answer and are now idle. */
  answered: number;
  failed: number;
  failureExample: string;
  stillOpen(): number;
  closeAll(): void;
}

const CONNECTS_IN_FLIGHT = 200;
const ANSWER_TIMEOUT_MS = 10_000;
const REQUEST = `GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

function openOne(port: number, open: Set<Socket>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => fail(new Error('no answer within 10 s')), ANSWER_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => socket.write(REQUEST));
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 200'))
        return fail(new Error(`answered ${chunk.toString('latin1').split('\r\n')[0]}`));
      open.add(socket);
      socket.removeListener('error', fail);
      socket.on('error', () => {});
      socket.once('close', () => open.delete(socket));
      resolve();
    });
  });
}

export async function openIdleConnections(port: number, count: number): Promise<IdleConnections> {
  const open = new Set<Socket>();
  let failed = 0;
  let failureExample = '';
  let next = 0;
  const opener = async () => {
    while (next < count) {
      next++;
      await openOne(port, open).catch((error: Error) => {
        failed++;
        failureExample ||= error.message;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, count) }, opener));
  return {
    answered: count - failed,
    failed,
    failureExample,
    stillOpen: () => open.size,
    closeAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}
