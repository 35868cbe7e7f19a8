// A client for etcd v3's JSON gateway (/v3/kv/range, /v3/watch) over HTTP/1.1: no gRPC stack in production.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { EtcdLocation } from './etcd-url.js';

export interface EtcdKeyValue {
  key: string;
  value: string;
}

export interface EtcdRange {
  values: EtcdKeyValue[];
  /** The store's revision the values were read at; a watch from revision + 1 misses nothing. */
  revision: number;
}

export type EtcdEvent = { kind: 'put'; key: string; value: string } | { kind: 'delete'; key: string };

/** What a watch stream reports: events of one revision, or that the revision it started from was compacted away. */
export type WatchMessage = { kind: 'events'; revision: number; events: EtcdEvent[] } | { kind: 'compacted'; compactRevision: number };

const REQUEST_TIMEOUT_MS = 5_000;

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** The key just past every key that starts with `prefix`: the prefix with its last byte plus one (prefix ends in "/"). */
function rangeEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

interface GatewayKv {
  key?: string;
  value?: string;
}

/** The gateway answers gRPC errors as {error, code, message} with an HTTP error status. */
async function post(location: EtcdLocation, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  const response = await fetch(`${location.endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new Error(`etcd answered ${path} with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  return response;
}

/** Every key under the prefix, with the revision they were read at. */
export async function readRange(location: EtcdLocation): Promise<EtcdRange> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const response = await post(
    location,
    '/v3/kv/range',
    { key: base64(location.prefix), range_end: base64(rangeEnd(location.prefix)) },
    signal,
  );
  const body = (await response.json()) as { header?: { revision?: string }; kvs?: GatewayKv[] };
  return {
    values: (body.kvs ?? []).map((kv) => ({ key: fromBase64(kv.key), value: fromBase64(kv.value) })),
    revision: Number(body.header?.revision ?? 0),
  };
}

interface GatewayWatchResult {
  header?: { revision?: string };
  created?: boolean;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: { type?: 'PUT' | 'DELETE'; kv?: GatewayKv }[];
}

/** A cheap read (the number of keys under the prefix) that says etcd answers: the watch's liveness probe. */
export async function probe(location: EtcdLocation, timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const request = { key: base64(location.prefix), range_end: base64(rangeEnd(location.prefix)), count_only: true };
  await (await post(location, '/v3/kv/range', request, signal)).arrayBuffer();
}

/**
 * Watches the prefix from `startRevision`, calling `onMessage` for each batch, until the stream ends, breaks
 * or `signal` aborts. `onCreated` runs once etcd has accepted the watch, with the store's revision. Resolves
 * when the stream ends (so the caller re-establishes it), rejects on a connection error or an abort.
 *
 * node:http rather than fetch: fetch (undici) ends a response body that is silent for 5 minutes, and an
 * idle watch is silent for as long as nothing changes.
 */
export async function watchRange(
  location: EtcdLocation,
  startRevision: number,
  signal: AbortSignal,
  onCreated: (storeRevision: number) => void,
  onMessage: (message: WatchMessage) => void,
): Promise<void> {
  const body = JSON.stringify({
    create_request: { key: base64(location.prefix), range_end: base64(rangeEnd(location.prefix)), start_revision: String(startRevision) },
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpRequest(`${location.endpoint}/v3/watch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      signal,
      timeout: REQUEST_TIMEOUT_MS,
    });
    request.once('response', (answer) => {
      // The timeout guards the answer's head only: from here on silence is normal.
      request.setTimeout(0);
      resolve(answer);
    });
    request.once('timeout', () => request.destroy(new Error(`etcd did not answer /v3/watch within ${REQUEST_TIMEOUT_MS} ms`)));
    // on, not once: an error after the answer (a reset mid-stream) reaches the body's reader, and must find a listener here too.
    request.on('error', reject);
    request.end(body);
  });
  if (response.statusCode !== 200) {
    let text = '';
    for await (const chunk of response) text += String(chunk);
    throw new Error(`etcd answered /v3/watch with HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  await readWatchStream(response, onCreated, onMessage);
}

/** The gateway streams one JSON object per line: the creation, then a result per revision. */
async function readWatchStream(
  response: AsyncIterable<Buffer>,
  onCreated: (storeRevision: number) => void,
  onMessage: (message: WatchMessage) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (line === '') continue;
      const parsed = JSON.parse(line) as { result?: GatewayWatchResult; error?: { message?: string } };
      if (parsed.error) throw new Error(`etcd ended the watch: ${parsed.error.message ?? JSON.stringify(parsed.error)}`);
      const result = parsed.result ?? {};
      if (result.created) onCreated(Number(result.header?.revision ?? 0));
      if (result.compact_revision !== undefined && Number(result.compact_revision) > 0) {
        onMessage({ kind: 'compacted', compactRevision: Number(result.compact_revision) });
        return;
      }
      if (result.canceled) throw new Error(`etcd cancelled the watch${result.cancel_reason ? `: ${result.cancel_reason}` : ''}`);
      if (result.events && result.events.length > 0) {
        const events = result.events.map((event): EtcdEvent => {
          const key = fromBase64(event.kv?.key);
          return event.type === 'DELETE' ? { kind: 'delete', key } : { kind: 'put', key, value: fromBase64(event.kv?.value) };
        });
        onMessage({ kind: 'events', revision: Number(result.header?.revision ?? 0), events });
      }
    }
  }
}
