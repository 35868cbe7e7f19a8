import { describe, expect, it } from 'vitest';
import { buildRequestHead } from '../../../src/l7/request-head.js';

const base = {
  method: 'GET',
  target: '/a?b=1',
  host: 'example.com',
  clientAddress: '10.1.2.3',
  protocol: 'http' as const,
  trusted: false,
  hostRewrite: null,
};

function headerLines(head: string): string[] {
  return head.split('\r\n').slice(1).filter(Boolean);
}

describe('buildRequestHead', () => {
  it('keeps end-to-end headers and removes hop-by-hop ones, including those named by Connection', () => {
    const headers = [
      'host',
      'example.com',
      'accept',
      '*/*',
      'connection',
      'keep-alive, x-secret',
      'keep-alive',
      'timeout=5',
      'x-secret',
      's',
      'te',
      'trailers',
      'upgrade',
      'h2c',
      'proxy-authorization',
      'p',
    ];
    const lines = headerLines(buildRequestHead({ ...base, headers }, null));
    expect(lines).toContain('host: example.com');
    expect(lines).toContain('accept: */*');
    for (const dropped of ['connection', 'keep-alive', 'x-secret', 'te', 'upgrade', 'proxy-authorization']) {
      expect(lines.some((line) => line.startsWith(`${dropped}:`))).toBe(false);
    }
  });

  it('replaces client-supplied forwarding headers with what Fulcrum saw', () => {
    const headers = ['x-forwarded-for', '6.6.6.6', 'forwarded', 'for=6.6.6.6', 'x-forwarded-proto', 'https'];
    const lines = headerLines(buildRequestHead({ ...base, headers }, null));
    expect(lines.filter((line) => line.startsWith('x-forwarded-for'))).toEqual(['x-forwarded-for: 10.1.2.3']);
    expect(lines).toContain('x-forwarded-proto: http');
    expect(lines).toContain('x-forwarded-host: example.com');
    expect(lines).toContain('forwarded: for=10.1.2.3;proto=http;host="example.com"');
  });

  it('quotes IPv6 in Forwarded and frames the body as told', () => {
    const head = buildRequestHead({ ...base, clientAddress: '::1', headers: ['content-length', '5'] }, 'content-length: 5');
    expect(head.startsWith('GET /a?b=1 HTTP/1.1\r\n')).toBe(true);
    expect(head).toContain('forwarded: for="[::1]"');
    expect(head.match(/content-length/g)).toHaveLength(1);
    expect(head.endsWith('content-length: 5\r\n\r\n')).toBe(true);
  });

  it('keeps and appends to the forwarding headers of a trusted proxy', () => {
    const headers = [
      'x-forwarded-for',
      '203.0.113.9, 10.0.0.2',
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      'shop.example',
      'forwarded',
      'for=203.0.113.9;proto=https',
    ];
    const lines = headerLines(buildRequestHead({ ...base, headers, trusted: true }, null));
    expect(lines).toContain('x-forwarded-for: 203.0.113.9, 10.0.0.2, 10.1.2.3');
    expect(lines).toContain('x-forwarded-proto: https');
    expect(lines).toContain('x-forwarded-host: shop.example');
    expect(lines).toContain('forwarded: for=203.0.113.9;proto=https, for=10.1.2.3;proto=http;host="example.com"');
  });

  it('starts the chain for a trusted proxy that sent none', () => {
    const lines = headerLines(buildRequestHead({ ...base, headers: [], trusted: true }, null));
    expect(lines).toContain('x-forwarded-for: 10.1.2.3');
    expect(lines).toContain('x-forwarded-proto: http');
  });

  it('rewrites Host when the pool says so, keeping the original in X-Forwarded-Host', () => {
    const lines = headerLines(buildRequestHead({ ...base, headers: ['host', 'example.com'], hostRewrite: 'api.internal:8080' }, null));
    expect(lines.filter((line) => line.startsWith('host:'))).toEqual(['host: api.internal:8080']);
    expect(lines).toContain('x-forwarded-host: example.com');
  });

  it('drops Expect (uWS already answered 100 Continue) but keeps Connection: close out of the upstream request', () => {
    const headers = ['expect', '100-continue', 'connection', 'close'];
    const lines = headerLines(buildRequestHead({ ...base, headers }, 'content-length: 3'));
    expect(lines.some((line) => line.startsWith('expect') || line.startsWith('connection'))).toBe(false);
  });
});
