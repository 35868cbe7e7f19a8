// The gRPC origin program (its own process): one grpc-js server answering bench.Echo on every port in argv.
import * as grpc from '@grpc/grpc-js';
import { type EchoMessage, loadEchoService, type ServedReply } from './grpc-echo.js';

const ports = process.argv.slice(2).map(Number);
// Counted only when the handler runs, so a request the server could not decode is never counted as served.
let unaryCalls = 0n;

const server = new grpc.Server();
server.addService(loadEchoService().service, {
  Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
    unaryCalls++;
    callback(null, { text: call.request.text });
  },
  Served(_call: grpc.ServerUnaryCall<object, ServedReply>, callback: grpc.sendUnaryData<ServedReply>) {
    callback(null, { calls: unaryCalls.toString() });
  },
});

for (const port of ports) {
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
    if (error) {
      console.error(`grpc origin: cannot listen on 127.0.0.1:${port}: ${error.message}`);
      process.exit(1);
    }
  });
}
