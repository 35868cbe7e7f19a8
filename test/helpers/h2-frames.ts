// HTTP/2 frames built by hand (RFC 9113 §4, §6) with HPACK literals (RFC 7541 §6.2.2), and a raw h2c
// connection that reads the server's frames: for the abuse no well-behaved client (node:http2, curl) sends.
import { connect, type Socket } from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

export const ErrorCode = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, CANCEL: 0x8, ENHANCE_YOUR_CALM: 0xb } as const;

export const SettingId = { MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4 } as const;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export function settingsFrame(entries: [id: number, value: number][] = []): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], index) => {
    payload.writeUInt16BE(id, index * 6);
    payload.writeUInt32BE(value, index * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function rstStreamFrame(streamId: number, code: number = ErrorCode.CANCEL): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** An HPACK integer with an `prefixBits`-bit prefix, the pattern bits of the first byte in `firstByte`. */
function hpackInteger(value: number, prefixBits: number, firstByte = 0): Buffer {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) return Buffer.from([firstByte | value]);
  const bytes = [firstByte | limit];
  let rest = value - limit;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7), bytes]);
}

/** A header block of "literal without indexing, new name" fields: no dynamic table state on either side. */
export function headerBlock(headers: [name: string, value: string][]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

/** The pseudo-headers of a request to `path`, with `extra` headers after them. */
export function requestHeaders(method: string, path: string, extra: [string, string][] = []): [string, string][] {
  return [[':method', method], [':scheme', 'http'], [':authority', 'localhost'], [':path', path], ...extra];
}

export function headersFrame(streamId: number, block: Buffer, options: { endStream?: boolean; endHeaders?: boolean } = {}): Buffer {
  const flags = (options.endStream ? Flag.END_STREAM : 0) | (options.endHeaders === false ? 0 : Flag.END_HEADERS);
  return frame(FrameType.HEADERS, flags, streamId, block);
}

export function continuationFrame(streamId: number, block: Buffer, endHeaders = false): Buffer {
  return frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, block);
}

export function dataFrame(streamId: number, payload: Buffer, endStream = false): Buffer {
  return frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload);
}

/** A GOAWAY frame's error code (RFC 9113 §6.8). */
export function goAwayCode(goAway: Frame): number {
  return goAway.payload.readUInt32BE(4);
}

/** An h2c connection by prior knowledge that sends raw bytes and records every frame the server sends. */
export class RawH2Connection {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  closed = false;
  private pending = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Connects and sends the preface and an empty SETTINGS frame. */
  static async open(port: number): Promise<RawH2Connection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const connection = new RawH2Connection(socket);
    connection.send(Buffer.concat([PREFACE, settingsFrame()]));
    return connection;
  }

  /** False once the kernel buffer is full (the server stopped reading, or the socket is gone). */
  send(bytes: Buffer): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  /** Resolves with the first frame (seen or to come) that matches, or null after `withinMs` or on close. */
  async waitForFrame(matches: (frame: Frame) => boolean, withinMs: number): Promise<Frame | null> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const found = this.frames.find(matches);
      if (found || this.closed || Date.now() >= deadline) return found ?? null;
      await this.nextEvent(deadline - Date.now());
    }
  }

  /** Resolves true once the server closed the connection, false if it is still open after `withinMs`. */
  async waitForClose(withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (!this.closed && Date.now() < deadline) await this.nextEvent(deadline - Date.now());
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private nextEvent(withinMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(withinMs, 0));
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private read(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) break;
      const received: Frame = {
        type: this.pending[3] as number,
        flags: this.pending[4] as number,
        streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.pending.subarray(9, 9 + length),
      };
      this.pending = this.pending.subarray(9 + length);
      this.frames.push(received);
      // The server's settings are acknowledged, as any client must (RFC 9113 §6.5.3).
      if (received.type === FrameType.SETTINGS && (received.flags & Flag.ACK) === 0) {
        this.send(frame(FrameType.SETTINGS, Flag.ACK, 0));
      }
    }
    this.wake();
  }
}

/** The value of a setting in the server's first SETTINGS frame, or undefined if it sent none. */
export function settingValue(settings: Frame, id: number): number | undefined {
  for (let offset = 0; offset + 6 <= settings.payload.length; offset += 6) {
    if (settings.payload.readUInt16BE(offset) === id) return settings.payload.readUInt32BE(offset + 2);
  }
  return undefined;
}
