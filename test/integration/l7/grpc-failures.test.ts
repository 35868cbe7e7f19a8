// gRPC through Fulcrum when calls end early: deadlines, cancellation (the backend's stream is cancelled
// too and the pick released), a thousand concurrent calls on one client connection, and a backend killed
// mid-stream while the other carries on. Real grpc-js clients and origins on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStats, waitForStats } from '../../helpers/admin.js';
import { EchoClient, type EchoReply, type GrpcOrigin, grpc, startGrpcOrigin, unary } from '../../helpers/grpc-origin.js';
import { openH2Session } from '../../helpers/h2-client.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';

const activeStreams = (stats: Awaited<ReturnType<typeof getStats>>): number =>
  stats.pools.default?.backends.reduce((sum, backend) => sum + backend.activeConnections, 0) ?? -1;

describe('gRPC calls that end early', () => {
  let origins: GrpcOrigin[];
  let proxy: L7Proxy;
  let adminPort: number;
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client at run time.
  let client: any;

  const cancelledCalls = () => origins.reduce((sum, origin) => sum + origin.cancelled, 0);

  beforeAll(async () => {
    origins = [await startGrpcOrigin('one'), await startGrpcOrigin('two')];
    adminPort = await freePort();
    proxy = await startL7Proxy({
      FULCRUM_PROTOCOLS: 'all',
      FULCRUM_UPSTREAM_PROTOCOL: 'h2c',
      FULCRUM_BACKENDS: origins.map((origin) => `127.0.0.1:${origin.port}`).join(','),
      FULCRUM_ALGORITHM: 'least-connections',
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    });
    client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
    for (const origin of origins ?? []) origin.kill();
  });

  it('ends a call past its deadline with DEADLINE_EXCEEDED, and cancels it at the backend', async () => {
    const cancelledBefore = cancelledCalls();
    const started = Date.now();
    const error = await unary(client, { text: 'slow', delayMs: 3_000 }, { deadlineMs: 300 }).catch((failure) => failure);
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => cancelledCalls(), { timeout: 2_000 }).toBe(cancelledBefore + 1);
    await waitForStats(adminPort, (stats) => activeStreams(stats) === 0, 2_000);
  });

  it('cancels a server stream at the backend when the client cancels, and releases the pick', async () => {
    const cancelledBefore = cancelledCalls();
    const call = client.ServerStream({ text: 'long', count: 1_000, delayMs: 20 });
    const received: EchoReply[] = [];
    const ended = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    await new Promise<void>((resolve) =>
      call.on('data', (reply: EchoReply) => {
        received.push(reply);
        if (received.length === 3) resolve();
      }),
    );
    expect(activeStreams(await getStats(adminPort))).toBe(1);
    call.cancel();
    expect((await ended).code).toBe(grpc.status.CANCELLED);
    await expect.poll(() => cancelledCalls(), { timeout: 2_000 }).toBe(cancelledBefore + 1);
    await waitForStats(adminPort, (stats) => activeStreams(stats) === 0, 2_000);
    expect(received.length).toBeLessThan(1_000);
  });

  it("ends a stream under way at its grpc-timeout with DEADLINE_EXCEEDED in the trailers, and cancels the backend's", async () => {
    const cancelledBefore = cancelledCalls();
    // EchoRequest { text: "x", count: 100, delay_ms: 20 } in one gRPC message frame: a 2 s stream.
    const message = Buffer.from([0x0a, 0x01, 0x78, 0x10, 100, 0x18, 20]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const session = await openH2Session(proxy.port);
    const started = performance.now();
    const reply = await new Promise<{ trailers: Record<string, unknown>; bytes: number }>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/fulcrum.test.Echo/ServerStream',
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': '300m',
      });
      let bytes = 0;
      let trailers: Record<string, unknown> = {};
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      stream.on('trailers', (fields) => {
        trailers = fields;
      });
      stream.on('close', () => resolve({ trailers, bytes }));
      stream.on('error', reject);
      stream.end(frame);
    });
    session.close();
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(reply.bytes).toBeGreaterThan(0);
    expect(reply.trailers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    await expect.poll(cancelledCalls, { timeout: 2_000 }).toBe(cancelledBefore + 1);
    await waitForStats(adminPort, (stats) => activeStreams(stats) === 0, 2_000);
  });

  it('carries 1,000 concurrent calls on one client connection, spread over both backends by least connections', async () => {
    const callsBefore = origins.map((origin) => origin.calls);
    const replies = await Promise.all(Array.from({ length: 1_000 }, (_, index) => unary(client, { text: `c${index}`, delayMs: 20 })));
    expect(replies.map(({ reply }) => reply.text)).toEqual(Array.from({ length: 1_000 }, (_, index) => `c${index}`));
    const served = origins.map((origin, index) => origin.calls - (callsBefore[index] as number));
    expect((served[0] as number) + (served[1] as number)).toBe(1_000);
    // Least connections counts open streams across the worker: neither backend takes the lion's share.
    expect(Math.min(...served)).toBeGreaterThan(300);
    await waitForStats(adminPort, (stats) => activeStreams(stats) === 0, 2_000);
  });
});

describe('a backend killed mid-stream', () => {
  let doomed: GrpcOrigin;
  let survivor: GrpcOrigin;
  let proxy: L7Proxy;
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client at run time.
  let client: any;

  beforeAll(async () => {
    doomed = await startGrpcOrigin('doomed');
    survivor = await startGrpcOrigin('survivor');
    proxy = await startL7Proxy({
      FULCRUM_PROTOCOLS: 'all',
      FULCRUM_UPSTREAM_PROTOCOL: 'h2c',
      FULCRUM_BACKENDS: `127.0.0.1:${doomed.port},127.0.0.1:${survivor.port}`,
      FULCRUM_ALGORITHM: 'round-robin',
    });
    client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
    doomed?.kill();
    survivor?.kill();
  });

  it('ends the open streams with UNAVAILABLE, and the next calls go to the other backend', async () => {
    // Two streams: round robin puts one on each backend.
    const streams = [0, 1].map(() => {
      const call = client.ServerStream({ text: 'watch', count: 200, delayMs: 20 });
      const replies: EchoReply[] = [];
      call.on('data', (reply: EchoReply) => replies.push(reply));
      // The status event carries the outcome; grpc-js also emits it as an error.
      call.on('error', () => undefined);
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      return { replies, status };
    });
    await expect.poll(() => streams.every(({ replies }) => replies.length >= 2), { timeout: 5_000 }).toBe(true);
    const onDoomed = streams.find(({ replies }) => replies[0]?.server === 'doomed');
    const onSurvivor = streams.find(({ replies }) => replies[0]?.server === 'survivor');
    expect(onDoomed && onSurvivor).toBeTruthy();
    doomed.kill();
    const status = await onDoomed?.status;
    expect(status?.code).toBe(grpc.status.UNAVAILABLE);
    // The stream on the other backend's session carries on to its end.
    expect((await onSurvivor?.status)?.code).toBe(grpc.status.OK);
    expect(onSurvivor?.replies.length).toBe(200);
    for (let call = 0; call < 4; call++) expect((await unary(client, { text: 'after' })).reply.server).toBe('survivor');
  });
});
