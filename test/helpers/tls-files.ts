// Self-signed certificates and keys made with openssl, for tests of TLS settings and listeners.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificatePair {
  cert: string;
  key: string;
}

/** A fresh P-256 key and a one-day certificate for `name`, as PEM files in a temporary folder. */
export function makeCertificate(name: string): CertificatePair {
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-tls-'));
  const pair = { cert: join(folder, `${name}.crt`), key: join(folder, `${name}.key`) };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
    ],
    { stdio: 'ignore' },
  );
  return pair;
}
