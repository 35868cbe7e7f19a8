import { describe, expect, it } from 'vitest';
import { grpcStatusOf, grpcTimeoutMs, isGrpcContentType, percentEncodeGrpcMessage } from '../../../src/l7/grpc-status.js';

describe('gRPC requests', () => {
  it.each([
    ['application/grpc', true],
    ['application/grpc+proto', true],
    ['application/grpc+json', true],
    ['application/grpc;charset=utf-8', true],
    ['application/grpc-web', false],
    ['application/grpc-web+proto', false],
    ['application/grpcx', false],
    ['application/json', false],
    ['', false],
    [undefined, false],
  ])('content-type %s is gRPC: %s', (contentType, grpc) => {
    expect(isGrpcContentType(contentType)).toBe(grpc);
  });
});

describe("gRPC status of Fulcrum's own replies", () => {
  it.each([
    [503, 'no-backend', 14],
    [502, 'upstream-connect', 14],
    [502, 'upstream-reset', 14],
    [502, 'upstream-malformed', 14],
    [504, 'upstream-connect-timeout', 14],
    [504, 'upstream-response-timeout', 4],
    [408, 'client-body-timeout', 4],
    [413, 'body-too-large', 8],
    [414, 'url-too-long', 8],
    [431, 'headers-too-large', 8],
    [429, 'rate-limited', 8],
    [404, 'no-route', 12],
    [400, 'bad-framing', 13],
    [501, 'unsupported-transfer-encoding', 13],
  ])('%i %s is %i', (status, code, grpcStatus) => {
    expect(grpcStatusOf(status, code)).toBe(grpcStatus);
  });
});

describe('grpc-message percent-encoding', () => {
  it.each([
    ['No route matches POST a.test/pkg.Svc/Call.', 'No route matches POST a.test/pkg.Svc/Call.'],
    ['100% sure', '100%25 sure'],
    ['line\nbreak', 'line%0Abreak'],
    ['café', 'caf%C3%A9'],
    ['~ and space stay', '~ and space stay'],
  ])('%j is sent as %j', (message, encoded) => {
    expect(percentEncodeGrpcMessage(message)).toBe(encoded);
  });
});

describe('grpc-timeout', () => {
  it.each([
    ['300m', 300],
    ['1S', 1_000],
    ['2M', 120_000],
    ['1H', 3_600_000],
    ['1500u', 2],
    ['1000u', 1],
    ['1000000n', 1],
    ['1n', 1],
    ['99999999m', 99_999_999],
  ])('%s is %i ms', (header, ms) => {
    expect(grpcTimeoutMs(header)).toBe(ms);
  });

  it.each([
    ['absent', ''],
    ['no unit', '300'],
    ['unknown unit', '300s'],
    ['nine digits', '123456789m'],
    ['negative', '-5m'],
    ['fraction', '1.5S'],
    ['space', ' 300m'],
    ['zero, no deadline as in Envoy', '0m'],
  ])('%s (%j) is ignored: the pool timeout applies', (_name, header) => {
    expect(grpcTimeoutMs(header)).toBe(0);
  });
});
