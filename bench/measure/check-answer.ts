// One request through a freshly started contender before the load: a broken setup fails clearly, not as a flood of errors.
import { request } from 'node:http';
import type { ConcreteRequest } from '../load/http-requests.js';

export function checkAnswers(port: number, sample: ConcreteRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, method: sample.method, path: sample.path, headers: sample.headers, timeout: 5_000 },
      (response) => {
        response.resume();
        response.once('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`${sample.method} ${sample.path} answered ${response.statusCode}`)),
        );
      },
    );
    outgoing.once('timeout', () => outgoing.destroy(new Error(`${sample.method} ${sample.path} got no answer within 5 s`)));
    outgoing.once('error', reject);
    outgoing.end(sample.body);
  });
}
