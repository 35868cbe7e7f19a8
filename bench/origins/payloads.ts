// What the origins serve: the paths and sizes every origin implementation and every scenario agree on.
export const SMALL_PATH = '/small';
export const SMALL_BODY = 'hello from the origin\n';
export const UPLOAD_PATH = '/upload';
export const UPLOAD_REPLY = 'received\n';
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

/** Static responses of fixed size, served from files (nginx) or memory (uWS). */
export const LARGE_RESPONSES = [
  { path: '/64k', bytes: 64 * 1024 },
  { path: '/1m', bytes: 1024 * 1024 },
] as const;

/** Header the hash-routed scenario varies and every L7 contender hashes on. */
export const HASH_HEADER = 'x-user';

/** The grpc-unary scenario's method (bench/origins/echo.proto) and the text each call sends and gets back. */
export const UNARY_PATH = '/bench.Echo/Unary';
export const UNARY_REQUEST_TEXT = 'ping from the bench';
