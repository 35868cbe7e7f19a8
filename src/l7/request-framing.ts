// Refuses, before anything is forwarded, a request whose length or target two parties could read
// differently (RFC 9112 §3.2, §6.1, §6.3): a proxy that forwards one reading to a backend that makes the
// other is how requests are smuggled. Also refuses declared lengths uWS 20.30 cannot take.

/** uWS 20.30 keeps a declared length in 30 bits: it drops a request whose Content-Length has more digits. */
export const UWS_DECLARED_DIGITS = 9;
/** Node's parser reads any length; 15 digits stay exact as a JS number, and more exceed any FULCRUM_MAX_BODY. */
export const EXACT_DECLARED_DIGITS = 15;

export interface FramingRefusal {
  status: 400 | 413 | 501;
  code: string;
  message: string;
}

/**
 * `headers` is the flat [name, value, ...] list a front reports (lower-case names, values trimmed);
 * `declaredDigits` the longest Content-Length the front can read.
 */
export function framingRefusal(headers: string[], maxBody: number, declaredDigits = UWS_DECLARED_DIGITS): FramingRefusal | null {
  let hosts = 0;
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (name === 'host') {
      hosts++;
    } else if (name === 'content-length') {
      const value = headers[index + 1] as string;
      if (contentLength !== null && value !== contentLength) {
        return badFraming(`The request has two different Content-Length values (${contentLength} and ${value}).`);
      }
      contentLength = value;
    } else if (name === 'transfer-encoding') {
      const value = headers[index + 1] as string;
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    }
  }
  if (hosts > 1) return { status: 400, code: 'duplicate-host', message: 'The request has more than one Host header; send one.' };
  // uWS refuses Content-Length with Transfer-Encoding itself, before any handler runs.
  if (contentLength !== null) return declaredLengthRefusal(contentLength, maxBody, declaredDigits);
  if (transferEncoding !== null && transferEncoding !== 'chunked') return transferCodingRefusal(transferEncoding);
  return null;
}

function declaredLengthRefusal(value: string, maxBody: number, declaredDigits: number): FramingRefusal | null {
  if (!isDecimal(value)) return badFraming(`The request's Content-Length "${value}" is not one decimal number of bytes.`);
  if (value.length <= declaredDigits) return null;
  if (Number(value) > maxBody) {
    return { status: 413, code: 'body-too-large', message: `The request body exceeds ${maxBody} bytes.` };
  }
  return {
    status: 413,
    code: 'declared-length-unsupported',
    message:
      'The HTTP front (uWebSockets.js 20.30) takes a Content-Length of at most 999999999 bytes; ' +
      'send a larger body with Transfer-Encoding: chunked.',
  };
}

/** uWS reads any Transfer-Encoding as chunked; Fulcrum forwards the body re-chunked, with no other coding. */
function transferCodingRefusal(value: string): FramingRefusal | null {
  const codings = value
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '');
  const chunkedCount = codings.filter((coding) => coding === 'chunked').length;
  if (codings[codings.length - 1] !== 'chunked' || chunkedCount !== 1) {
    return badFraming(`The request's Transfer-Encoding "${value}" does not end in one chunked coding, so its length is unknown.`);
  }
  if (codings.length === 1) return null;
  return {
    status: 501,
    code: 'transfer-coding-unsupported',
    message: `Fulcrum forwards request bodies with Transfer-Encoding: chunked only, not "${value}".`,
  };
}

/** One or more digits (a character loop: a regex test cost ~50 ns per request here). */
function isDecimal(value: string): boolean {
  if (value === '') return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function badFraming(message: string): FramingRefusal {
  return { status: 400, code: 'bad-framing', message };
}
