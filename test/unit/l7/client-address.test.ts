import { describe, expect, it } from 'vitest';
import { ClientAddresses } from '../../../src/l7/client-address.js';
import type { HttpResponse } from '../../../src/l7/uws.js';

/** Stands in for a uWS response: only the binary remote address is read. */
function responseFrom(bytes: number[]): HttpResponse {
  return { getRemoteAddress: () => new Uint8Array(bytes).buffer } as unknown as HttpResponse;
}

function ipv6(groups: number[]): number[] {
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

describe('client address text', () => {
  it.each([
    ['IPv4', [203, 0, 113, 7], '203.0.113.7'],
    ['IPv6 loopback', ipv6([0, 0, 0, 0, 0, 0, 0, 1]), '::1'],
    ['IPv6 unspecified', ipv6([0, 0, 0, 0, 0, 0, 0, 0]), '::'],
    ['IPv6 trailing zeros', ipv6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 'fe80::'],
    ['IPv6, first of two equal zero runs', ipv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1'],
    ['IPv6, a single zero group stays', ipv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1'],
    ['IPv4-mapped IPv6 reads as IPv4', ipv6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001]), '127.0.0.1'],
  ])('%s', (_name, bytes, text) => {
    expect(new ClientAddresses().of(responseFrom(bytes))).toBe(text);
  });

  it('gives the same text for an IPv4 client on every request', () => {
    const addresses = new ClientAddresses();
    expect([1, 2, 3].map(() => addresses.of(responseFrom([10, 1, 2, 3])))).toEqual(['10.1.2.3', '10.1.2.3', '10.1.2.3']);
  });
});
