// Real gRPC through Fulcrum: a grpc-js client on the complete front (FULCRUM_PROTOCOLS=all), two grpc-js
// origins behind an h2c pool. Every call shape, metadata both ways, error statuses in the trailers, and
// round robin per call on one client connection (what an L4 balancer cannot do for gRPC).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoClient, type EchoReply, type GrpcOrigin, grpc, startGrpcOrigin, unary } from '../../helpers/grpc-origin.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';

describe('gRPC through an h2c pool', () => {
  let origins: GrpcOrigin[];
  let proxy: L7Proxy;
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client at run time.
  let client: any;

  beforeAll(async () => {
    origins = [await startGrpcOrigin('one'), await startGrpcOrigin('two')];
    proxy = await startL7Proxy({
      FULCRUM_PROTOCOLS: 'all',
      FULCRUM_UPSTREAM_PROTOCOL: 'h2c',
      FULCRUM_BACKENDS: origins.map((origin) => `127.0.0.1:${origin.port}`).join(','),
      FULCRUM_ALGORITHM: 'round-robin',
    });
    client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
    for (const origin of origins ?? []) origin.kill();
  });

  it('carries a unary call, with metadata both ways and the trailers', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-echo', 'marco');
    const { reply, initial, trailing } = await unary(client, { text: 'hello' }, { metadata });
    expect(reply.text).toBe('hello');
    expect(initial.get('x-echo')).toEqual(['marco']);
    expect(trailing.get('x-echo-trailer')).toEqual(['marco']);
  });

  it('passes an error status, its message and its trailing metadata back', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-echo', 'polo');
    const error = await unary(client, { text: 'nope', failCode: grpc.status.NOT_FOUND }, { metadata }).catch((failure) => failure);
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toBe('failed as asked: nope');
    expect(error.metadata.get('x-echo-trailer')).toEqual(['polo']);
  });

  it('balances each call, not each connection: consecutive calls on one connection alternate origins', async () => {
    const servers: string[] = [];
    for (let call = 0; call < 6; call++) servers.push((await unary(client, { text: `${call}` })).reply.server);
    expect(new Set(servers)).toEqual(new Set(['one', 'two']));
    for (let index = 1; index < servers.length; index++) expect(servers[index]).not.toBe(servers[index - 1]);
  });

  it('streams replies from the server', async () => {
    const replies: EchoReply[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.ServerStream({ text: 'tick', count: 5 });
      call.on('data', (reply: EchoReply) => replies.push(reply));
      call.on('error', reject);
      call.on('end', resolve);
    });
    expect(replies.map((reply) => reply.text)).toEqual(['tick#0', 'tick#1', 'tick#2', 'tick#3', 'tick#4']);
  });

  it('streams requests from the client', async () => {
    const reply = await new Promise<EchoReply>((resolve, reject) => {
      const call = client.ClientStream((error: grpc.ServiceError | null, answer: EchoReply) => (error ? reject(error) : resolve(answer)));
      for (const text of ['a', 'b', 'c', 'd']) call.write({ text });
      call.end();
    });
    expect(reply.text).toBe('a,b,c,d');
    expect(reply.index).toBe(4);
  });

  it('streams both ways at once: each reply answers the message before it', async () => {
    const call = client.Bidi();
    const replies: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (const text of ['x', 'y', 'z']) {
      const answered = new Promise<void>((resolve) =>
        call.once('data', (reply: EchoReply) => {
          replies.push(reply.text);
          resolve();
        }),
      );
      call.write({ text });
      await answered;
    }
    call.end();
    await done;
    expect(replies).toEqual(['x', 'y', 'z']);
  });
});
