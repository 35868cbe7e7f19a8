// The uWS origin program (run in its own process when nginx is not installed): argv = worker count, then ports.
import { createRequire } from 'node:module';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import type * as UwsModule from '@trufflesuite/uws-js-unofficial';
import { LARGE_RESPONSES, SMALL_BODY, SMALL_PATH, UPLOAD_PATH, UPLOAD_REPLY } from './payloads.js';

// Loaded as src/l7/uws.ts loads it: the official build when installed, else the npm-published one.
function loadUws(): typeof UwsModule {
  const require = createRequire(import.meta.url);
  try {
    return require('uWebSockets.js') as typeof UwsModule;
  } catch {
    return require('@trufflesuite/uws-js-unofficial') as typeof UwsModule;
  }
}

function serve(ports: number[]): void {
  const uws = loadUws();
  const app = uws.App();
  app.get(SMALL_PATH, (response) => {
    response.end(SMALL_BODY);
  });
  for (const large of LARGE_RESPONSES) {
    const body = Buffer.alloc(large.bytes, 'x');
    app.get(large.path, (response) => {
      response.end(body);
    });
  }
  app.post(UPLOAD_PATH, (response) => {
    response.onAborted(() => {});
    response.onData((_chunk, isLast) => {
      if (isLast) response.cork(() => response.end(UPLOAD_REPLY));
    });
  });
  for (const port of ports) {
    app.listen('127.0.0.1', port, (listenSocket) => {
      if (!listenSocket) {
        console.error(`uws origin: cannot listen on 127.0.0.1:${port}`);
        process.exit(1);
      }
    });
  }
}

if (isMainThread) {
  const [workers = '1', ...ports] = process.argv.slice(2);
  const portNumbers = ports.map(Number);
  // uWS listens with SO_REUSEPORT, so each thread's app shares the same ports.
  for (let index = 1; index < Number(workers); index++) new Worker(new URL(import.meta.url), { workerData: portNumbers });
  serve(portNumbers);
} else {
  serve(workerData as number[]);
}
