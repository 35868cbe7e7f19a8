// The slow-backend scenario's slow origin (its own process): answers GET /small like the others, DELAY ms late.
// argv = delay in ms, port. One uWS thread: the delay is a timer, not work, so one thread keeps up.
import { createRequire } from 'node:module';
import type * as UwsModule from '@trufflesuite/uws-js-unofficial';
import { SMALL_BODY, SMALL_PATH } from './payloads.js';

const [delayText = '20', portText = '0'] = process.argv.slice(2);
const delayMs = Number(delayText);
const port = Number(portText);

const uws = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as typeof UwsModule;
uws
  .App()
  .get(SMALL_PATH, (response) => {
    let aborted = false;
    response.onAborted(() => {
      aborted = true;
    });
    setTimeout(() => {
      if (!aborted) response.cork(() => response.end(SMALL_BODY));
    }, delayMs);
  })
  .listen('127.0.0.1', port, (listenSocket) => {
    if (!listenSocket) {
      console.error(`slow origin: cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
  });
