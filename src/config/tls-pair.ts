// Loads a TLS certificate and its private key the way the listener will, so --check-config finds a
// swapped, unreadable or mismatched pair before uWS does (it only says "App construction failed").
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigProblems } from './problems.js';

export interface PemFile {
  /** Where the path was given, e.g. FULCRUM_TLS_CERT or "fulcrum.yaml: tls.certificates[0].cert". */
  where: string;
  path: string;
}

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----/;

function readText(file: PemFile, problems: ConfigProblems): string | undefined {
  try {
    return readFileSync(file.path, 'utf8');
  } catch (error) {
    problems.add(
      file.where,
      file.path,
      `the file cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected the path of a PEM file`,
    );
    return undefined;
  }
}

function loadCertificate(file: PemFile, text: string, problems: ConfigProblems): X509Certificate | undefined {
  try {
    return new X509Certificate(text);
  } catch (error) {
    const holds = PRIVATE_KEY_BLOCK.test(text)
      ? 'holds a private key, not a certificate'
      : 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
    problems.add(file.where, file.path, `the file ${holds} (${(error as Error).message}); give the certificate (chain) here`);
    return undefined;
  }
}

function loadPrivateKey(file: PemFile, text: string, problems: ConfigProblems): KeyObject | undefined {
  try {
    return createPrivateKey(text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const holds =
      code === 'ERR_MISSING_PASSPHRASE'
        ? `holds an encrypted private key, which Fulcrum cannot unlock; decrypt it (openssl pkey -in ${file.path} -out key.pem)`
        : CERTIFICATE_BLOCK.test(text)
          ? 'holds a certificate, not a private key; give the private key here'
          : `holds no PEM private key (${(error as Error).message}); give the private key here`;
    problems.add(file.where, file.path, `the file ${holds}`);
    return undefined;
  }
}

/** Records a problem unless `cert` holds a certificate, `key` a private key, and the key belongs to the certificate. */
export function checkCertificatePair(cert: PemFile, key: PemFile, problems: ConfigProblems): void {
  const certText = readText(cert, problems);
  const keyText = readText(key, problems);
  if (certText === undefined || keyText === undefined) return;
  if (!CERTIFICATE_BLOCK.test(certText) && PRIVATE_KEY_BLOCK.test(certText) && CERTIFICATE_BLOCK.test(keyText)) {
    problems.add(
      cert.where,
      cert.path,
      `the certificate and key are swapped: this file holds the private key and ${key.path} (${key.where}) the certificate; exchange the two paths`,
    );
    return;
  }
  const certificate = loadCertificate(cert, certText, problems);
  const privateKey = loadPrivateKey(key, keyText, problems);
  if (!certificate || !privateKey) return;
  if (!certificate.checkPrivateKey(privateKey)) {
    problems.add(
      key.where,
      key.path,
      `this private key does not belong to the certificate in ${cert.path} (${cert.where}, subject ${certificate.subject.replaceAll('\n', ', ')}); give the key the certificate was issued for`,
    );
  }
}
