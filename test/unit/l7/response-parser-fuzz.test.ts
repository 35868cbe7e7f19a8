// Fuzz-ish: valid responses cut at random points, and random garbage, must parse the same or throw only ParseError.
import { describe, expect, it } from 'vitest';
import { ParseError, ResponseParser } from '../../../src/l7/upstream/response-parser.js';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.0 200 OK\r\n\r\nclose-delimited body',
  'HTTP/1.1 103 Early Hints\nLink: </a.css>\n\nHTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\r\nabc\r\n0\r\nT: 1\n\n',
];

function feed(bytes: Buffer, cuts: number[], eof: boolean): { body: string; complete: boolean } {
  const parser = new ResponseParser();
  const result = { body: '', complete: false };
  parser.expect(
    { onHead: () => undefined, onBody: (chunk) => (result.body += chunk.toString('latin1')), onComplete: () => (result.complete = true) },
    false,
  );
  let offset = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > offset) parser.execute(bytes.subarray(offset, cut));
    offset = Math.max(offset, cut);
  }
  if (eof && !result.complete) parser.finishAtEof();
  return result;
}

describe('response parser under random splits and garbage', () => {
  it('parses valid responses identically however they are split', () => {
    const next = random(1);
    for (const text of VALID) {
      const bytes = Buffer.from(text, 'latin1');
      const whole = feed(bytes, [], text.startsWith('HTTP/1.0'));
      for (let round = 0; round < 300; round++) {
        const cuts = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
        expect(feed(bytes, cuts, text.startsWith('HTTP/1.0'))).toEqual(whole);
      }
    }
  });

  it('never throws anything but ParseError on mutated or random input', () => {
    const next = random(2);
    const alphabet = 'HTTP/1.1 200 OK\r\n:;0123456789abcdefABCDEF -\0\x7f\xff';
    let parseErrors = 0;
    for (let round = 0; round < 3000; round++) {
      const base = Buffer.from(VALID[round % VALID.length] as string, 'latin1');
      const bytes = Buffer.from(base);
      const mutations = 1 + Math.floor(next() * 4);
      for (let index = 0; index < mutations; index++)
        bytes[Math.floor(next() * bytes.length)] = alphabet.charCodeAt(Math.floor(next() * alphabet.length));
      const input = round % 5 === 0 ? Buffer.from(Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256))) : bytes;
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * input.length)).sort((a, b) => a - b);
      try {
        feed(input, cuts, next() < 0.5);
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        parseErrors++;
      }
    }
    expect(parseErrors).toBeGreaterThan(100);
  });

  it('gives mutated input the same outcome whole and split: a line ending never depends on where a read ends', () => {
    const next = random(3);
    const alphabet = '\r\n\r\n\r\n: ;0a';
    const outcome = (bytes: Buffer, cuts: number[]): string => {
      try {
        return JSON.stringify(feed(bytes, cuts, false));
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        return 'ParseError';
      }
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(VALID[round % VALID.length] as string, 'latin1');
      for (let index = 0; index < 1 + Math.floor(next() * 3); index++)
        bytes[Math.floor(next() * bytes.length)] = alphabet.charCodeAt(Math.floor(next() * alphabet.length));
      const cuts = Array.from({ length: 1 + Math.floor(next() * 4) }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      expect(outcome(bytes, cuts), `round ${round}: ${JSON.stringify(bytes.toString('latin1'))} cut at ${cuts}`).toBe(outcome(bytes, []));
    }
  });
});
