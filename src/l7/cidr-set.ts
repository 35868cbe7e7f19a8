// A set of CIDR blocks that answers whether a client address belongs to it, with a small cache (clients come
// back on many requests). Per worker thread: FULCRUM_TRUSTED_PROXIES and access rules' cidr conditions.
import { isIP } from 'node:net';
import { addressBytes, type CidrBlock } from '../config/cidr.js';

const CACHE_LIMIT = 1024;

export class CidrSet {
  private readonly blocks: CidrBlock[];
  private readonly verdicts = new Map<string, boolean>();

  constructor(blocks: CidrBlock[]) {
    this.blocks = blocks;
  }

  /** `address` as ClientAddresses prints it: dotted IPv4 (also for IPv4-mapped clients), or RFC 5952 IPv6. */
  has(address: string): boolean {
    if (this.blocks.length === 0) return false;
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const verdict = this.match(address);
    if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }

  private match(address: string): boolean {
    if (isIP(address) === 0) return false;
    let bytes = addressBytes(address);
    const mappedV4 = bytes.length === 16 && bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (mappedV4) bytes = bytes.slice(12);
    return this.blocks.some((block) => block.bytes.length === bytes.length && prefixMatches(block, bytes));
  }
}

function prefixMatches(block: CidrBlock, bytes: number[]): boolean {
  let remaining = block.prefixLength;
  for (let index = 0; remaining > 0; index++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((block.bytes[index] as number) & mask) !== ((bytes[index] as number) & mask)) return false;
  }
  return true;
}
