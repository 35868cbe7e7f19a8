// Creates a worker's uWS app: plain HTTP, or TLS (SSLApp) with a default certificate and more chosen by SNI.
// With SNI, uWS keeps one router per server name, so the same handlers are attached to each; names are
// matched in any letter case (server-name-aliases.ts).
import type { TlsCertificateConfig } from '../config/l7-types.js';
import { serverNameAliases } from './server-name-aliases.js';
import { type TemplatedApp, uws } from './uws.js';

export interface TlsSpec {
  cert: string;
  key: string;
  certificates: TlsCertificateConfig[];
}

/** Builds the app and lets `attach` register the handlers on the default router and on each server name's. */
export function createListenerApp(tls: TlsSpec | null, attach: (app: TemplatedApp) => void): TemplatedApp {
  if (tls === null) {
    const app = uws.App();
    attach(app);
    return app;
  }
  const app = uws.SSLApp({ cert_file_name: tls.cert, key_file_name: tls.key });
  attach(app);
  const addServerName = (serverName: string, certificate: TlsCertificateConfig): void => {
    app.addServerName(serverName, { cert_file_name: certificate.cert, key_file_name: certificate.key });
    attach(app.domain(serverName));
  };
  for (const certificate of tls.certificates) addServerName(certificate.serverName, certificate);
  if (tls.certificates.length > 0) {
    // uWS calls this inside the handshake for a name it does not know, then looks the name up again.
    const aliasFor = serverNameAliases(tls.certificates);
    app.missingServerName((sentName) => {
      const alias = aliasFor(sentName);
      if (alias !== null) addServerName(alias.serverName, alias.certificate);
    });
  }
  return app;
}

/** The optional plain-HTTP listener that sends every request to the same URL over HTTPS (308 keeps the method). */
export function createRedirectApp(httpsPort: number): TemplatedApp {
  const portSuffix = httpsPort === 443 ? '' : `:${httpsPort}`;
  return uws.App().any('/*', (res, req) => {
    const host = req.getHeader('host').replace(/:\d+$/, '');
    const query = req.getQuery();
    const target = query ? `${req.getUrl()}?${query}` : req.getUrl();
    // uWS closes after the response when the Connection value has 5 characters ("close"), without saying so.
    const clientCloses = req.getHeader('connection').length === 5;
    res.cork(() => {
      res.writeStatus(host === '' ? '400 Bad Request' : '308 Permanent Redirect');
      if (clientCloses) res.writeHeader('connection', 'close');
      if (host === '') {
        res.writeHeader('x-fulcrum-error', 'no-host').end('A Host header is needed to redirect to HTTPS.\n');
      } else {
        res.writeHeader('location', `https://${host}${portSuffix}${target}`).end();
      }
    });
  });
}
