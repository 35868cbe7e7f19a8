// HTTP/1.1 keep-alive connections to one backend, per worker thread: reuse idle sockets, cap the total, queue the rest.
import { connect } from 'node:net';
import { type ConnectionOwner, UpstreamConnection } from './connection.js';
import type { AcquireWaiter, UpstreamSource } from './link.js';
import { TimeoutSweep } from './timeout-sweep.js';
import { type ExchangeTimeouts, UpstreamError } from './upstream-error.js';

const READ_BUFFER_BYTES = 64 * 1024;

export interface UpstreamPoolOptions {
  host: string;
  port: number;
  maxSockets: number;
  connectTimeoutMs: number;
  timeouts: ExchangeTimeouts;
}

export class UpstreamPool implements ConnectionOwner, UpstreamSource {
  private readonly options: UpstreamPoolOptions;
  /** Most recently used last: reusing the warmest socket lets cold ones hit the idle timeout. */
  private readonly idle: UpstreamConnection[] = [];
  private readonly live = new Set<UpstreamConnection>();
  private readonly waiting: AcquireWaiter[] = [];
  private connectionsOpened = 0;
  /** Replaced by a reload that changed the pool's protocol: no connection goes back to the idle list. */
  private retired = false;
  private readonly sweep: TimeoutSweep;
  /** Every connection of the pool reads into this: reads on one thread run one at a time, each parsed before the next. */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  constructor(options: UpstreamPoolOptions) {
    this.options = options;
    this.sweep = new TimeoutSweep(Math.min(options.timeouts.responseMs, options.timeouts.idleMs));
  }

  /** Connections opened since start; lets tests and stats observe keep-alive reuse. */
  get opened(): number {
    return this.connectionsOpened;
  }

  acquire(waiter: AcquireWaiter): void {
    const connection = this.idle.pop();
    if (connection) {
      connection.idle = false;
      waiter.onAcquired(null, connection);
    } else if (this.live.size < this.options.maxSockets) {
      this.open(waiter);
    } else {
      this.waiting.push(waiter);
    }
  }

  /** Drops a queued acquire whose request was abandoned (client abort). */
  cancel(waiter: AcquireWaiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  connectionFinished(connection: UpstreamConnection, reusable: boolean): void {
    if (!this.live.has(connection)) return;
    if (reusable && this.retired) {
      connection.socket.destroy();
      reusable = false;
    }
    if (connection.idle) {
      // An idle socket died (closed by the backend or timed out); a finished exchange's socket is not listed.
      connection.idle = false;
      this.idle.splice(this.idle.indexOf(connection), 1);
    }
    if (!reusable) {
      this.live.delete(connection);
      const next = this.waiting.shift();
      if (next) this.open(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.onAcquired(null, connection);
    } else {
      connection.idle = true;
      this.idle.push(connection);
    }
  }

  retire(): void {
    this.retired = true;
    for (const connection of this.idle.splice(0)) {
      connection.idle = false;
      connection.socket.destroy();
    }
  }

  close(): void {
    for (const connection of this.live) connection.socket.destroy();
    for (const waiter of this.waiting.splice(0)) {
      waiter.onAcquired(new UpstreamError('connect', false, 'the upstream pool was closed'), null);
    }
  }

  private open(waiter: AcquireWaiter): void {
    const { host, port, connectTimeoutMs } = this.options;
    // onread: Node reads into the pool's buffer and calls back directly, skipping a fresh 64 KiB buffer
    // and the stream's push/'data' machinery per read; everything that keeps bytes copies them.
    const onread = {
      buffer: this.readBuffer,
      callback: (bytes: number): boolean => {
        connection.onRead(this.readBuffer.subarray(0, bytes));
        return true;
      },
    };
    const socket = connect({ host, port, noDelay: true, onread });
    this.connectionsOpened++;
    const connection = new UpstreamConnection(socket, this, this.options.timeouts, this.sweep);
    this.live.add(connection);
    let settled = false;
    const settle = (error: UpstreamError | null) => {
      if (settled) return;
      settled = true;
      socket.removeListener('error', onConnectError);
      if (error) {
        socket.destroy();
        this.connectionFinished(connection, false);
        waiter.onAcquired(error, null);
      } else {
        socket.removeListener('timeout', onConnectTimeout);
        connection.connected();
        waiter.onAcquired(null, connection);
      }
    };
    const onConnectError = (error: NodeJS.ErrnoException) =>
      settle(new UpstreamError('connect', false, `cannot connect to ${host}:${port}: ${error.code ?? error.message}`));
    const onConnectTimeout = () =>
      settle(new UpstreamError('connect-timeout', false, `connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
    socket.once('error', onConnectError);
    socket.once('connect', () => settle(null));
    socket.setTimeout(connectTimeoutMs);
    socket.once('timeout', onConnectTimeout);
  }
}
