// One route's WAF on an L7 worker: runs libmodsecurity's phases 1 and 2 (head, then the buffered body) over a
// request on this worker's thread, against the rule set the main thread loaded for the same config
// (native/waf/waf_rules.h). Counts each verdict and writes a warning line naming the matched rules.
import type { WafConfig } from '../config/waf.js';
import type { NativeWafRules } from '../native/addon-types.js';
import { native } from '../native/load.js';
import type { RequestHeadFacts } from './request-handler.js';
import type { WafCounter } from './waf-counts.js';

const WARN = 40;

/** What the rules made of a request: null when nothing matched. */
export interface WafFinding {
  /** Block mode and the anomaly score (or a rule) asked for a refusal. */
  blocked: boolean;
  /** The matched rules' ids (949110 is CRS's "anomaly score exceeded"). */
  rules: number[];
}

export class WafCheck {
  readonly config: WafConfig;
  private readonly rules: NativeWafRules;
  private readonly counter: WafCounter;

  constructor(config: WafConfig, counter: WafCounter) {
    const { waf } = native;
    // Config validation refused `waf` on an addon built without it, so a worker never gets here without it.
    if (!waf.available) throw new Error('the native addon was built without libmodsecurity');
    this.config = config;
    this.rules = waf.load(config.key, config.directives);
    this.counter = counter;
  }

  /** `headers`: the request's [name, value, ...]; `body`: the buffered body, or null for a request without one. */
  inspect(clientAddress: string, head: RequestHeadFacts, headers: string[], body: Buffer | null): WafFinding | null {
    const uri = head.query ? `${head.path}?${head.query}` : head.path;
    const found = this.rules.inspect(clientAddress, head.method, uri, head.http2 ? '2.0' : '1.1', headers, body);
    if (found === null) return null;
    const blocked = found.status !== 0;
    this.counter.count(blocked ? 'blocked' : 'detected', found.rules);
    process.stdout.write(
      `${JSON.stringify({
        level: WARN,
        time: Date.now(),
        pid: process.pid,
        name: 'fulcrum',
        // Passed on: detect mode, or a match whose score stays below CRS's blocking threshold.
        msg: blocked ? 'waf blocked a request' : 'waf rules matched a request; passed on',
        client: clientAddress,
        method: head.method,
        path: head.path,
        waf: found.rules,
      })}\n`,
    );
    return { blocked, rules: found.rules };
  }
}
