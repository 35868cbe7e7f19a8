import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../../src/config/types.js';
import { hostWithoutPort, Router } from '../../../src/l7/router.js';

const routes: RouteConfig[] = [
  { match: { hosts: ['api.example.com'], pathPrefix: '/v2' }, pool: 'api-v2' },
  { match: { hosts: ['api.example.com'] }, pool: 'api' },
  { match: { hosts: ['*.static.example.com'] }, pool: 'static' },
  { match: { pathRegex: /^\/users\/\d+$/, methods: ['GET', 'HEAD'] }, pool: 'users-read' },
  { match: { headers: [{ name: 'x-canary', equals: 'yes' }] }, pool: 'canary' },
  { match: { headers: [{ name: 'x-tenant', regex: /^t-\d+$/ }] }, pool: 'tenants' },
  { match: { headers: [{ name: 'x-debug' }] }, pool: 'debug' },
];

function request(host: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  return { host, path, method, header: (name: string) => headers[name] ?? '' };
}

describe('Router', () => {
  const router = new Router(routes, null);
  it.each([
    ['host + prefix', request('api.example.com', '/v2/items'), 'api-v2'],
    ['host, other path', request('api.example.com', '/v1/items'), 'api'],
    ['wildcard subdomain', request('img.static.example.com', '/a.png'), 'static'],
    ['wildcard excludes the bare domain', request('static.example.com', '/a.png'), null],
    ['regex + method', request('other', '/users/42'), 'users-read'],
    ['regex, wrong method', request('other', '/users/42', 'POST'), null],
    ['regex, no match', request('other', '/users/abc'), null],
    ['header equals', request('other', '/', 'GET', { 'x-canary': 'yes' }), 'canary'],
    ['header differs', request('other', '/', 'GET', { 'x-canary': 'no' }), null],
    ['header regex', request('other', '/', 'GET', { 'x-tenant': 't-7' }), 'tenants'],
    ['header present', request('other', '/', 'GET', { 'x-debug': '1' }), 'debug'],
    ['first match wins', request('api.example.com', '/v2', 'GET', { 'x-canary': 'yes' }), 'api-v2'],
    ['nothing matches', request('other', '/'), null],
  ])('%s', (_name, incoming, expected) => {
    expect(router.route(incoming)?.pool ?? null).toBe(expected);
  });

  it('sends everything to the fallback pool when there are no routes', () => {
    expect(new Router([], 'default').route(request('x', '/'))?.pool).toBe('default');
  });

  it.each([
    ['Example.COM:8080', 'example.com'],
    ['example.com', 'example.com'],
    ['[::1]:8080', '[::1]'],
  ])('hostWithoutPort(%s)', (input, expected) => {
    expect(hostWithoutPort(input)).toBe(expected);
  });
});
