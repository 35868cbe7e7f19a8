// FULCRUM_CONFIG=etcd://host:port/prefix: where the shared configuration lives, checked before any request.
import { FulcrumError } from '../../errors.js';

export interface EtcdLocation {
  /** The v3 JSON gateway's base, e.g. http://10.0.0.5:2379. */
  endpoint: string;
  /** The key prefix, always ending in "/": "/fulcrum/" holds /fulcrum/config, /fulcrum/pools/NAME, /fulcrum/routes/NNN-NAME. */
  prefix: string;
  /** As the user wrote it, for logs and error messages. */
  label: string;
}

export const ETCD_SCHEME = 'etcd://';

export function isEtcdLocation(configPath: string): boolean {
  return configPath.startsWith(ETCD_SCHEME);
}

export function parseEtcdLocation(text: string): EtcdLocation {
  const refuse = (problem: string) =>
    new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `FULCRUM_CONFIG=${JSON.stringify(text)} is invalid: ${problem}; expected etcd://HOST:PORT/PREFIX, e.g. etcd://127.0.0.1:2379/fulcrum.`,
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('it is not a URL');
  }
  if (url.username || url.password) throw refuse('credentials in the URL are not supported (etcd auth is not implemented)');
  if (url.search || url.hash) throw refuse('a query or fragment has no meaning here');
  if (!url.hostname) throw refuse('the etcd host is missing');
  const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
  if (path === '') throw refuse('the key prefix is missing (a whole etcd keyspace is never read as configuration)');
  return { endpoint: `http://${url.host}`, prefix: `${path}/`, label: text };
}
