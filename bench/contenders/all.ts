// Every contender, in the order each scenario runs them (the references first).
import type { Contender } from './contender.js';
import { direct } from './direct.js';
import { fulcrumAll, fulcrumHttp, fulcrumHttpBare, fulcrumHttpDoubleWorkers, fulcrumTcp, fulcrumUdp } from './fulcrum.js';
import { haproxyHttp, haproxyTcp } from './haproxy.js';
import { nginxProxy, nginxStream, nginxStreamUdp } from './nginx.js';

export const CONTENDERS: readonly Contender[] = [
  direct,
  haproxyHttp,
  haproxyTcp,
  nginxProxy,
  nginxStream,
  nginxStreamUdp,
  fulcrumHttp,
  fulcrumHttpBare,
  fulcrumHttpDoubleWorkers,
  fulcrumAll,
  fulcrumTcp,
  fulcrumUdp,
];

export function selectContenders(ids: string[] | null): Contender[] {
  if (!ids) return [...CONTENDERS];
  const unknown = ids.filter((id) => !CONTENDERS.some((contender) => contender.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown contender ${unknown.join(', ')}; known: ${CONTENDERS.map((contender) => contender.id).join(', ')}`);
  }
  return CONTENDERS.filter((contender) => ids.includes(contender.id));
}
