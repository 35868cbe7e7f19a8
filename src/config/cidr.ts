// Parses CIDR lists (FULCRUM_TRUSTED_PROXIES) into plain data that worker threads can match against.
import { isIP } from 'node:net';
import { ipv6Text } from '../ipv6-text.js';
import { InvalidValue } from './parsers.js';

/** One network: the address as 4 (IPv4) or 16 (IPv6) bytes and the prefix length. */
export interface CidrBlock {
  bytes: number[];
  prefixLength: number;
}

/** "10.0.0.0/8, 192.168.1.7, ::1" → blocks; a bare address is a /32 or /128. */
export function parseCidrList(raw: string): CidrBlock[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const text = entry.trim();
    const [address = '', prefixText, ...rest] = text.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0)
      throw new InvalidValue(`"${text}" is not an address or CIDR block; expected e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8`);
    const bits = family === 4 ? 32 : 128;
    const prefixLength = prefixText === undefined ? bits : Number(prefixText);
    if (!/^\d+$/.test(prefixText ?? '0') || prefixLength > bits) {
      throw new InvalidValue(`"${text}" has a prefix length outside 0-${bits}`);
    }
    return { bytes: addressBytes(address), prefixLength };
  });
}

export function formatCidrList(blocks: CidrBlock[]): string {
  return blocks.map((block) => `${formatAddressBytes(block.bytes)}/${block.prefixLength}`).join(',');
}

/** Bytes of a valid IPv4 or IPv6 address (IPv4-mapped IPv6 stays 16 bytes). */
export function addressBytes(address: string): number[] {
  if (isIP(address) === 4) return address.split('.').map(Number);
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const words = (part: string[]) => part.flatMap((group) => (group.includes('.') ? dottedWords(group) : [parseInt(group, 16)]));
  const left = words(groups(head));
  const right = tail === undefined ? [] : words(groups(tail));
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

function dottedWords(dotted: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

/** The text of 4 (dotted IPv4) or 16 address bytes (RFC 5952 IPv6, as the logs print it). */
export function formatAddressBytes(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  return ipv6Text(Array.from({ length: 8 }, (_, index) => ((bytes[2 * index] as number) << 8) | (bytes[2 * index + 1] as number)));
}
