// The one error the response parser throws: the upstream's bytes are not a valid HTTP/1.1 response (→ 502).
export class ParseError extends Error {}
