import { describe, expect, it } from 'vitest';
import { framingRefusal } from '../../../src/l7/request-framing.js';

const GB = 1024 ** 3;

/** [case, headers after Host (flat name/value list as uWS reports them), max body, expected code or null] */
const cases: Array<[string, string[], number, string | null]> = [
  ['no body headers', [], GB, null],
  ['one Content-Length', ['content-length', '12'], GB, null],
  ['the same Content-Length twice', ['content-length', '12', 'content-length', '12'], GB, null],
  ['two different Content-Length values', ['content-length', '12', 'content-length', '13'], GB, 'bad-framing'],
  ['an empty Content-Length', ['content-length', ''], GB, 'bad-framing'],
  ['a signed Content-Length', ['content-length', '+12'], GB, 'bad-framing'],
  ['a Content-Length list', ['content-length', '12, 12'], GB, 'bad-framing'],
  ['the most digits uWS takes', ['content-length', '999999999'], 10 * GB, null],
  ['10 digits over the limit', ['content-length', '2000000000'], GB, 'body-too-large'],
  ['10 digits under the limit', ['content-length', '2000000000'], 10 * GB, 'declared-length-unsupported'],
  ['10 digits with leading zeros (uWS counts them)', ['content-length', '0000000012'], GB, 'declared-length-unsupported'],
  ['chunked', ['transfer-encoding', 'chunked'], GB, null],
  ['Chunked in another case', ['transfer-encoding', 'Chunked'], GB, null],
  ['chunked, identity', ['transfer-encoding', 'chunked, identity'], GB, 'bad-framing'],
  ['identity alone', ['transfer-encoding', 'identity'], GB, 'bad-framing'],
  ['chunked twice in one line', ['transfer-encoding', 'chunked, chunked'], GB, 'bad-framing'],
  ['chunked on two lines', ['transfer-encoding', 'chunked', 'transfer-encoding', 'chunked'], GB, 'bad-framing'],
  [
    'gzip on one line, chunked on the next',
    ['transfer-encoding', 'gzip', 'transfer-encoding', 'chunked'],
    GB,
    'transfer-coding-unsupported',
  ],
  ['gzip, chunked', ['transfer-encoding', 'gzip, chunked'], GB, 'transfer-coding-unsupported'],
  ['two Host headers', ['host', 'b.example'], GB, 'duplicate-host'],
];

describe('framingRefusal', () => {
  it.each(cases)('%s', (_name, headers, maxBody, code) => {
    expect(framingRefusal(['host', 'a.example', ...headers], maxBody)?.code ?? null).toBe(code);
  });

  it('reads a longer Content-Length on a front that can (node: 15 digits), and still refuses one over the limit', () => {
    expect(framingRefusal(['content-length', '2000000000'], 10 * GB, 15)).toBeNull();
    expect(framingRefusal(['content-length', '2000000000000000'], 10 * GB, 15)?.code).toBe('body-too-large');
  });

  it('names the problem and what to do in its message', () => {
    expect(framingRefusal(['content-length', '1', 'content-length', '2'], GB)?.message).toBe(
      'The request has two different Content-Length values (1 and 2).',
    );
    expect(framingRefusal(['content-length', '2000000000'], 10 * GB)).toMatchObject({
      status: 413,
      message: expect.stringContaining('Transfer-Encoding: chunked'),
    });
  });
});
