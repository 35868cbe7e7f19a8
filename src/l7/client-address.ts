// The client's address as text for X-Forwarded-For, Forwarded, trusted-proxy checks and ip keys; per worker thread.
import { ipv6Text } from '../ipv6-text.js';
import type { HttpResponse } from './uws.js';

/** Distinct IPv4 clients remembered before the memo starts over. */
const MEMO_LIMIT = 4096;

export class ClientAddresses {
  /** IPv4 address as a 32-bit number → dotted text. */
  private readonly ipv4 = new Map<number, string>();

  /**
   * Read from uWS's binary form: its text form costs an inet_ntop (sprintf) per request and spells IPv6 in
   * full ("0000:…:0001"). An IPv4 client is formatted once; an IPv4-mapped IPv6 one (dual-stack listener)
   * reads as plain IPv4, and other IPv6 addresses in RFC 5952 form ("::1").
   */
  of(res: HttpResponse): string {
    const bytes = new Uint8Array(res.getRemoteAddress());
    if (bytes.length === 4) return this.ipv4Text(bytes, 0);
    if (bytes.length !== 16) return '';
    if (isIpv4Mapped(bytes)) return this.ipv4Text(bytes, 12);
    const groups: number[] = [];
    for (let index = 0; index < 16; index += 2) groups.push(((bytes[index] as number) << 8) | (bytes[index + 1] as number));
    return ipv6Text(groups);
  }

  private ipv4Text(bytes: Uint8Array, at: number): string {
    const key =
      (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number)) >>>
      0;
    let text = this.ipv4.get(key);
    if (text === undefined) {
      text = `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
      if (this.ipv4.size >= MEMO_LIMIT) this.ipv4.clear();
      this.ipv4.set(key, text);
    }
    return text;
  }
}

/** ::ffff:a.b.c.d */
function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let index = 0; index < 10; index++) if (bytes[index] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}
