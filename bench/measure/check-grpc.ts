// One real gRPC call through a freshly started contender before the load. h2load counts any HTTP 200 as a success,
// and a gRPC error is an HTTP 200 too, so only a real client seeing grpc-status 0 and the expected reply shows the
// contender forwards calls rather than answering errors fast.
import * as grpc from '@grpc/grpc-js';
import { echoClient } from '../origins/grpc-echo.js';
import { UNARY_REQUEST_TEXT } from '../origins/payloads.js';

const DEADLINE_MS = 5_000;

export function checkGrpcAnswers(port: number): Promise<void> {
  const client = echoClient(port);
  return new Promise<void>((resolve, reject) => {
    client.Unary({ text: UNARY_REQUEST_TEXT }, { deadline: Date.now() + DEADLINE_MS }, (error, reply) => {
      if (error) reject(new Error(`a gRPC call through the contender failed: ${grpc.status[error.code]} (${error.code}) ${error.details}`));
      else if (reply.text !== UNARY_REQUEST_TEXT)
        reject(new Error(`a gRPC call through the contender answered "${reply.text}", not the echo`));
      else resolve();
    });
  }).finally(() => client.close());
}
