// Keep-alive connections to one backend, per worker thread: reuse idle sockets, cap the total, queue the rest.
import { connect } from 'node:net';
import { UpstreamConnection, type ConnectionOwner } from './connection.js';
import { UpstreamError } from './upstream-error.js';

export interface UpstreamPoolOptions {
  host: string;
  port: number;
  maxSockets: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export type AcquireCallback = (error: UpstreamError | null, connection: UpstreamConnection | null) => void;

export class UpstreamPool implements ConnectionOwner {
  private readonly options: UpstreamPoolOptions;
  /** Most recently used last: reusing the warmest socket lets cold ones hit the idle timeout. */
  private readonly idle: UpstreamConnection[] = [];
  private readonly live = new Set<UpstreamConnection>();
  private readonly waiting: AcquireCallback[] = [];
  private connectionsOpened = 0;

  constructor(options: UpstreamPoolOptions) {
    this.options = options;
  }

  /** Connections opened since start; lets tests and stats observe keep-alive reuse. */
  get opened(): number {
    return this.connectionsOpened;
  }

  acquire(callback: AcquireCallback): void {
    const connection = this.idle.pop();
    if (connection) {
      connection.socket.setTimeout(0);
      callback(null, connection);
    } else if (this.live.size < this.options.maxSockets) {
      this.open(callback);
    } else {
      this.waiting.push(callback);
    }
  }

  /** Drops a queued acquire whose request was abandoned (client abort). */
  cancel(callback: AcquireCallback): void {
    const index = this.waiting.indexOf(callback);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  connectionFinished(connection: UpstreamConnection, reusable: boolean): void {
    if (!this.live.has(connection)) return;
    const idleIndex = this.idle.indexOf(connection);
    if (idleIndex !== -1) this.idle.splice(idleIndex, 1);
    if (!reusable) {
      this.live.delete(connection);
      const next = this.waiting.shift();
      if (next) this.open(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next(null, connection);
      return;
    }
    connection.socket.setTimeout(this.options.idleTimeoutMs);
    this.idle.push(connection);
  }

  close(): void {
    for (const connection of this.live) connection.socket.destroy();
    for (const callback of this.waiting.splice(0)) {
      callback(new UpstreamError('connect', false, 'the upstream pool was closed'), null);
    }
  }

  private open(callback: AcquireCallback): void {
    const { host, port, connectTimeoutMs } = this.options;
    const socket = connect({ host, port, noDelay: true });
    this.connectionsOpened++;
    const connection = new UpstreamConnection(socket, this);
    this.live.add(connection);
    let settled = false;
    const settle = (error: UpstreamError | null) => {
      if (settled) return;
      settled = true;
      socket.removeListener('error', onConnectError);
      if (error) {
        socket.destroy();
        this.connectionFinished(connection, false);
        callback(error, null);
      } else {
        socket.setTimeout(0);
        callback(null, connection);
      }
    };
    const onConnectError = (error: NodeJS.ErrnoException) =>
      settle(new UpstreamError('connect', false, `cannot connect to ${host}:${port}: ${error.code ?? error.message}`));
    socket.once('error', onConnectError);
    socket.once('connect', () => settle(null));
    socket.setTimeout(connectTimeoutMs);
    socket.on('timeout', () => {
      if (!settled) {
        settle(new UpstreamError('connect-timeout', false, `connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      } else {
        // Idle keep-alive socket past its idle timeout.
        socket.destroy();
      }
    });
  }
}
