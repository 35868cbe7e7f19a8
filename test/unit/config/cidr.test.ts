// CIDR lists print addresses the way the logs do (RFC 5952), so --check-config and a log line agree.
import { expect, it } from 'vitest';
import { formatCidrList, parseCidrList } from '../../../src/config/cidr.js';

it.each([
  ['::1', '::1/128'],
  ['fd00::/8', 'fd00::/8'],
  ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
  ['10.0.0.0/8, 192.168.1.7', '10.0.0.0/8,192.168.1.7/32'],
])('%s prints as %s', (input, printed) => {
  expect(formatCidrList(parseCidrList(input))).toBe(printed);
});
