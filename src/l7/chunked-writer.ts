// Writes a response body of unknown length through uWS's chunked res.write(), safely.
//
// uWS 20.30 loses data in one case (uWebSockets.js#1249): a corked write() too big for what is left of
// the loop's 16 KiB cork buffer flushes the buffer first, and when that flush meets a full socket it
// returns without writing the new data. The chunk header already went out, its data never does, and the
// client sees broken chunked framing. Here each piece is written in a cork of its own, small enough to
// fit the empty cork buffer whole, so uWS never takes that path.
import type { HttpResponse } from './uws.js';

const CORK_BUFFER_BYTES = 16 * 1024;
/** Room for what uWS adds around a piece: on the first one the Date, uWebSockets and Transfer-Encoding headers, then the chunk header. */
const FRAMING_ALLOWANCE_BYTES = 512;
const CHUNKED_PIECE_BYTES = CORK_BUFFER_BYTES - FRAMING_ALLOWANCE_BYTES;

/**
 * Must run outside any cork of this response (inside one, res.cork() would not start an empty buffer).
 * Returns false when uWS holds bytes the client has not taken yet: wait for onWritable before more.
 */
export function writeChunked(res: HttpResponse, body: Buffer): boolean {
  let drained = true;
  for (let at = 0; at < body.length; at += CHUNKED_PIECE_BYTES) {
    const piece = body.subarray(at, at + CHUNKED_PIECE_BYTES);
    res.cork(() => {
      if (!res.write(piece)) drained = false;
    });
  }
  return drained;
}
