// GET /events: Server-Sent Events over node:http, one `data:` frame of the current view a second, for the
// dashboard (main thread). Each stream owns one timer, cleared as soon as its client goes away.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const EVENT_INTERVAL_MS = 1_000;

export class EventStreams {
  private readonly timers = new Map<ServerResponse, NodeJS.Timeout>();

  constructor(private readonly intervalMs = EVENT_INTERVAL_MS) {}

  /** Streams open now (a closed browser tab leaves none behind). */
  get open(): number {
    return this.timers.size;
  }

  /**
   * Streams `view()` on `response`: a first frame at once, then one per interval until either side closes
   * or `view()` returns undefined.
   * A view that throws ends its stream (the page reconnects) and goes to `failed`; it never escapes the timer.
   */
  start(request: IncomingMessage, response: ServerResponse, view: () => unknown, failed: (error: unknown) => void): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // A proxy in front of the admin API (nginx) would otherwise hold the frames back in its buffer.
      'x-accel-buffering': 'no',
    });
    // No Nagle delay: each frame is small and should reach the page within the second it describes.
    request.socket.setNoDelay(true);
    const send = () => {
      // A client that does not read (a frozen tab) skips frames rather than growing the buffer.
      if (response.writableNeedDrain) return;
      let current: unknown;
      try {
        current = view();
      } catch (error) {
        failed(error);
        current = undefined;
      }
      if (current === undefined) {
        this.stop(response);
        response.end();
        return;
      }
      // JSON.stringify never writes a raw newline, so one `data:` line holds the whole frame.
      response.write(`data: ${JSON.stringify(current)}\n\n`);
    };
    this.timers.set(response, setInterval(send, this.intervalMs));
    // 'close' fires when the client aborts (tab closed, fetch aborted) and when the server ends the socket.
    response.once('close', () => this.stop(response));
    send();
  }

  /** Ends every stream, for the admin server's close. */
  closeAll(): void {
    for (const response of [...this.timers.keys()]) {
      this.stop(response);
      response.end();
    }
  }

  private stop(response: ServerResponse): void {
    clearInterval(this.timers.get(response));
    this.timers.delete(response);
  }
}
