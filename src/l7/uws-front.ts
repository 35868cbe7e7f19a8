// The uWS front (FULCRUM_PROTOCOLS=http/1.1, the fast path): uWS apps, each on its address with
// SO_REUSEPORT, behind the Front interface. Runs on an L7 worker thread.
import type { HostPort } from '../config/types.js';
import type { Front, StartFailure } from './front.js';
import { type TemplatedApp, type us_listen_socket, uws } from './uws.js';

export interface UwsListener {
  app: TemplatedApp;
  address: HostPort;
  /** The setting the address comes from, named when it cannot be listened on. */
  setting: StartFailure['failed'];
}

export class UwsFront implements Front {
  private readonly listeners: UwsListener[];
  private readonly listenSockets: us_listen_socket[] = [];

  constructor(listeners: UwsListener[]) {
    this.listeners = listeners;
  }

  listen(): Promise<StartFailure | null> {
    return new Promise((resolve) => {
      let failed = false;
      for (const { app, address, setting } of this.listeners) {
        if (failed) return;
        const { host, port } = address;
        app.listen(host, port, (socket) => {
          if (!socket) {
            failed = true;
            resolve({ failed: setting, reason: `cannot listen on ${host}:${port}: the address is in use or not available` });
            return;
          }
          this.listenSockets.push(socket);
          if (this.listenSockets.length === this.listeners.length) resolve(null);
        });
      }
    });
  }

  stopAccepting(): void {
    for (const listening of this.listenSockets.splice(0)) uws.us_listen_socket_close(listening);
  }

  /**
   * Closing every uWS socket (idle keep-alive clients included) before the task ends is what lets piscina
   * stop this thread: a worker whose loop still holds uWS sockets aborts the process.
   */
  closeAll(): void {
    for (const { app } of this.listeners) (app as TemplatedApp & { close(): void }).close();
  }
}
