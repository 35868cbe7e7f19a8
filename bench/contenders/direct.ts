// Direct access to the first origin, no proxy: the physical reference every ratio is measured against.
import type { Contender } from './contender.js';

export const direct: Contender = {
  id: 'direct',
  label: 'direct (no proxy)',
  layer: 'direct',
  // The HTTP origins speak HTTP/1.1 only; the gRPC origin is grpc-js, h2c.
  servesH2c: false,
  servesGrpc: true,
  missingReason: () => null,
  async start(setup) {
    const port = setup.backendPorts[0];
    if (port === undefined) throw new Error('direct access needs at least one backend');
    return { port, pid: null, output: () => '', stop: async () => {} };
  },
};
