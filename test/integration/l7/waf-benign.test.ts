// The WAF at paranoia 1 against 600 ordinary requests from a seeded generator: JSON API calls, form posts,
// multipart file uploads, query strings with punctuation, the headers browsers send. None may be blocked,
// and no CRS rule but one known warning (920220, see below) may match any of them. Skipped when the addon was built without libmodsecurity.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { native } from '../../../src/native/load.js';
import { startEchoOrigin } from '../../helpers/echo-origin.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import type { TestOrigin } from '../../helpers/origins.js';

const CORPUS_SIZE = 600;
const CONCURRENCY = 8;

/** mulberry32: a small seeded generator, so a failure names a request that can be made again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BenignRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
];
const WORDS = [
  'coffee',
  'blue',
  'running shoes',
  'laptop 15"',
  'tea & biscuits',
  'size: M/L',
  'C++ book',
  '50% off',
  'über',
  'naïve café',
  'Smith, John',
  '(draft)',
  'v2.1.0',
  'rock-n-roll',
  'Q&A',
  'hello, world!',
  'A+B',
  'e-mail',
  '#launch',
  'price < 20',
];
const SENTENCES = [
  'Great product, arrived on time. Would buy again!',
  'Can you ship to Berlin? My address is Hauptstraße 5, 10115.',
  'The meeting is moved to 3:30pm (room 4B); bring the Q3 report.',
  "Thanks for the quick reply - I'll check and get back to you.",
  'Order #12345 is missing one item: the blue mug (qty 2).',
  'Password reset worked, thank you :)',
  'Is the 13-inch model available in silver or only in grey?',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function browserHeaders(random: () => number): Record<string, string> {
  return {
    host: 'shop.example.com',
    'user-agent': pick(random, USER_AGENTS),
    accept: pick(random, [
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'application/json, text/plain, */*',
      '*/*',
    ]),
    'accept-language': pick(random, ['en-US,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.8']),
    'accept-encoding': 'gzip, deflate, br',
    cookie: `session=${Math.floor(random() * 1e12).toString(36)}; theme=${pick(random, ['dark', 'light'])}; consent=true`,
    referer: `https://shop.example.com/${pick(random, ['', 'cart', 'products/42', 'search?q=mug'])}`,
    'sec-fetch-site': 'same-origin',
    'sec-fetch-mode': pick(random, ['navigate', 'cors']),
  };
}

function query(random: () => number): string {
  const params = new URLSearchParams({ q: pick(random, WORDS), page: String(1 + Math.floor(random() * 20)) });
  if (random() < 0.5) params.set('sort', pick(random, ['-created_at', 'price', 'name,asc']));
  if (random() < 0.5) params.set('filter[status]', pick(random, ['active', 'archived']));
  if (random() < 0.3) params.set('tags', 'red,green,blue');
  if (random() < 0.3) params.set('email', 'jane.doe+shop@example.com');
  if (random() < 0.3) params.set('utm_source', 'newsletter');
  if (random() < 0.2) params.set('range', '10-20');
  return params.toString();
}

function jsonBody(random: () => number): string {
  return JSON.stringify({
    id: Math.floor(random() * 1e6),
    name: pick(random, WORDS),
    comment: pick(random, SENTENCES),
    price: Math.round(random() * 10_000) / 100,
    tags: [pick(random, WORDS), pick(random, WORDS)],
    active: random() < 0.5,
    address: { street: 'Main St. 12', city: pick(random, ['Paris', 'São Paulo', 'New York']), zip: '10001' },
    createdAt: new Date(1_700_000_000_000 + Math.floor(random() * 1e10)).toISOString(),
  });
}

function multipart(random: () => number): { body: Buffer; type: string } {
  const boundary = `----WebKitFormBoundary${Math.floor(random() * 1e16).toString(36)}`;
  const file = Buffer.from(Array.from({ length: 256 + Math.floor(random() * 2048) }, () => Math.floor(random() * 256)));
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${pick(random, SENTENCES)}\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo-${Math.floor(random() * 100)}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

function corpus(seed: number, size: number): BenignRequest[] {
  const random = seeded(seed);
  return Array.from({ length: size }, (_, index): BenignRequest => {
    const headers = browserHeaders(random);
    switch (index % 5) {
      case 0:
        return { method: 'GET', path: `/search?${query(random)}`, headers };
      case 1:
        return {
          method: 'GET',
          path: pick(random, ['/', '/products/42', '/static/app.3f2a1c.js', '/images/logo.png', '/api/v1/orders?limit=20&offset=40']),
          headers,
        };
      case 2:
        return {
          method: pick(random, ['POST', 'PUT', 'PATCH']),
          path: `/api/v1/items/${Math.floor(random() * 1000)}`,
          headers: { ...headers, 'content-type': 'application/json' },
          body: jsonBody(random),
        };
      case 3: {
        const form = new URLSearchParams({
          name: 'Jane Doe',
          email: 'jane@example.com',
          message: pick(random, SENTENCES),
          newsletter: 'on',
        });
        return {
          method: 'POST',
          path: '/contact',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        };
      }
      default: {
        const upload = multipart(random);
        return { method: 'POST', path: '/upload', headers: { ...headers, 'content-type': upload.type }, body: upload.body };
      }
    }
  });
}

let origin: TestOrigin;
let proxy: L7Proxy;

beforeAll(async () => {
  if (!native.waf.available) return;
  origin = await startEchoOrigin('app');
  proxy = await startL7Proxy({ FULCRUM_BACKENDS: origin.address }, { waf: { mode: 'block', paranoia: 1 } });
}, 30_000);
afterAll(async () => {
  await proxy?.stop();
  await origin?.close();
});

it.skipIf(!native.waf.available)(
  `lets ${CORPUS_SIZE} ordinary requests through at paranoia 1, with no rule matching`,
  async () => {
    const requests = corpus(17, CORPUS_SIZE);
    const refused: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const request = requests[next++] as BenignRequest;
          const reply = await send(`${proxy.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
          if (reply.status !== 200) refused.push(`${request.method} ${request.path} → ${reply.status} ${reply.body}`);
        }
      }),
    );
    expect(refused).toEqual([]);
    // Below the blocking score, one rule matches ordinary requests: 920220 on a query with an encoded % ("50% off"),
    // as libmodsecurity 3 checks the URL encoding of REQUEST_URI after decoding it (a warning, 3 of the 5 points).
    const matched = new Set(
      [...proxy.process.output().matchAll(/"waf":\[([\d,]+)\]/g)].flatMap((match) => (match[1] as string).split(',')),
    );
    expect([...matched].filter((rule) => rule !== '920220')).toEqual([]);
  },
  60_000,
);
