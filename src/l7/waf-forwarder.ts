// Forwards a WAF route's request once the WAF let it through: the head alone (no body, or a gRPC stream,
// whose messages are not inspected) is checked at once; a body is first read into memory (413 beyond
// waf.bodyLimit, without reading further) and checked with the head. Blocked: 403 `X-Fulcrum-Error: waf`.
// One per request handler, on its L7 worker thread.

import type { Downstream, Replier } from './downstream.js';
import { type ForwardPlan, ProxiedRequest, type WorkerTraffic } from './proxy-request.js';
import type { RequestHeadFacts } from './request-handler.js';
import { ReplayedBodyDownstream, WafBodyGate } from './waf-body-gate.js';
import type { WafCheck, WafFinding } from './waf-check.js';

/** The request handler's own refusal (reply and access log); `waf`: the rules that blocked the request. */
export type Refusal = (
  downstream: Replier,
  head: RequestHeadFacts,
  status: number,
  code: string,
  message: string,
  close: boolean,
  waf?: number[],
) => void;

export class WafForwarder {
  private readonly traffic: WorkerTraffic;
  private readonly refuse: Refusal;

  constructor(traffic: WorkerTraffic, refuse: Refusal) {
    this.traffic = traffic;
    this.refuse = refuse;
  }

  /** `client`: the address the rules see (FULCRUM_TRUSTED_PROXIES applied); `contentLength`: '' when none. */
  forward(waf: WafCheck, downstream: Downstream, head: RequestHeadFacts, plan: ForwardPlan, client: string, contentLength: string): void {
    if (!plan.hasBody || downstream.grpc) {
      this.forwardUnlessBlocked(waf.inspect(client, head, head.headers, null), downstream, head, plan);
      return;
    }
    const { bodyLimit } = waf.config;
    const tooLarge = `The request body exceeds the WAF's body limit of ${bodyLimit} bytes.`;
    if (Number(contentLength) > bodyLimit) {
      plan.caps?.release();
      this.refuse(downstream, head, 413, 'body-too-large', tooLarge, true);
      return;
    }
    // The front reuses its header list for its next request: the deferred check keeps a copy.
    const held: RequestHeadFacts = { ...head, headers: head.headers.slice() };
    new WafBodyGate(
      downstream,
      bodyLimit,
      (body, trailers) => {
        const finding = waf.inspect(client, held, held.headers, body);
        this.forwardUnlessBlocked(finding, new ReplayedBodyDownstream(downstream, body, trailers), held, plan);
      },
      () => {
        plan.caps?.release();
        this.refuse(downstream, held, 413, 'body-too-large', tooLarge, true);
      },
      // A client that leaves mid-body never reaches an exchange, which would give its caps back.
      () => plan.caps?.release(),
    );
  }

  private forwardUnlessBlocked(finding: WafFinding | null, downstream: Downstream, head: RequestHeadFacts, plan: ForwardPlan): void {
    if (finding?.blocked) {
      plan.caps?.release();
      const message = `Blocked by the web application firewall (rules ${finding.rules.join(', ')}).`;
      this.refuse(downstream, head, 403, 'waf', message, false, finding.rules);
      return;
    }
    new ProxiedRequest(downstream, finding === null ? plan : { ...plan, waf: finding.rules }, this.traffic);
  }
}
