// A digest of the TLS files' contents, so a reload notices a certificate renewed in place (same path,
// new content) and starts a data plane that loads it, as HAProxy and NGINX re-read theirs on reload.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FulcrumConfig } from './types.js';

/** sha256 over every certificate and key file the config names; '' when it names none. */
export function tlsFilesDigest(config: FulcrumConfig): string {
  const paths = [config.tlsCert, config.tlsKey, ...config.tlsCertificates.flatMap((entry) => [entry.cert, entry.key])].filter(
    (path): path is string => Boolean(path),
  );
  if (paths.length === 0) return '';
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(path);
    try {
      hash.update(readFileSync(path));
    } catch (error) {
      // Validation has read these files already; one that vanished since still changes the digest.
      hash.update(`unreadable: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  return hash.digest('hex');
}
