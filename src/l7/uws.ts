// Loads uWebSockets.js: the official build when the user installed it, else the npm-published unofficial build.
import { createRequire } from 'node:module';
import type * as UwsModule from '@trufflesuite/uws-js-unofficial';
import { FulcrumError } from '../errors.js';

export type Uws = typeof UwsModule;
export type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  us_listen_socket,
  us_socket_context_t,
  WebSocket,
  WebSocketBehavior,
} from '@trufflesuite/uws-js-unofficial';

const require = createRequire(import.meta.url);
const CANDIDATES = ['uWebSockets.js', '@trufflesuite/uws-js-unofficial'];

function loadUws(): Uws {
  const failures: string[] = [];
  for (const name of CANDIDATES) {
    try {
      return require(name) as Uws;
    } catch (error) {
      failures.push(`  ${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new FulcrumError(
    'FULCRUM_ERR_UWS_LOAD',
    `uWebSockets.js could not be loaded for Node ${process.versions.node} (ABI ${process.versions.modules}). Tried:\n` +
      `${failures.join('\n')}\nRun "npm install" again; the bundled build supports Node 20.`,
  );
}

export const uws: Uws = loadUws();
// Once per thread: without it uWS adds `uWebSockets: 20` to every response it writes.
uws._cfg('silent');
