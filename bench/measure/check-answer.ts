// One request through a freshly started contender before the load: a broken setup fails clearly, not as a flood of errors.
import { request } from 'node:http';
import { connect } from 'node:http2';
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

/** The same check over HTTP/2 by prior knowledge (h2c), as h2load will speak. */
export function checkAnswersH2c(port: number, sample: ConcreteRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const fail = (error: Error) => {
      session.destroy();
      reject(error);
    };
    session.once('error', fail);
    session.setTimeout(5_000, () => fail(new Error(`${sample.method} ${sample.path} over h2c got no answer within 5 s`)));
    const stream = session.request({ ':method': sample.method, ':path': sample.path, ...sample.headers });
    stream.once('error', fail);
    stream.once('response', (headers) => {
      stream.resume();
      stream.once('end', () => {
        session.close();
        const status = headers[':status'];
        if (status === 200) resolve();
        else reject(new Error(`${sample.method} ${sample.path} over h2c answered ${status}`));
      });
    });
    stream.end(sample.body);
  });
}
