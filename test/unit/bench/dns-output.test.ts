// Reading dnsperf's and dig's printed reports, and the hand-built DNS query the bench uses to check resolvers.
import { describe, expect, it } from 'vitest';
import { parseDnsperfOutput } from '../../../bench/load/dnsperf-load.js';
import { dnsQuery, readDnsAnswer } from '../../../bench/origins/dns-query.js';
import { parseDigOutput } from '../../helpers/dns-clients.js';

const DNSPERF_OUTPUT = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 15353 -d q.txt -n 2 -v
> NOERROR who.test A 0.000110
> NXDOMAIN nothere.test A 0.000197
> NOERROR who.test A 0.000182
> NXDOMAIN nothere.test A 0.008811
[Status] Testing complete (end of file)

Statistics:

  Queries sent:         5
  Queries completed:    4 (80.00%)
  Queries lost:         1 (20.00%)

  Response codes:       NOERROR 2 (50.00%), NXDOMAIN 2 (50.00%)
  Average packet size:  request 28, response 36
  Run time (s):         0.016002
  Queries per second:   249.987626

  Average Latency (s):  0.000807 (min 0.000055, max 0.003964)
  Latency StdDev (s):   0.001076
`;

describe('dnsperf output', () => {
  it('gives counts, codes, queries/s and percentiles of the per-query latencies', () => {
    const report = parseDnsperfOutput(DNSPERF_OUTPUT);
    expect(report).toMatchObject({ sent: 5, completed: 4, lost: 1, runSeconds: 0.016002, queriesPerSecond: 249.987626 });
    expect(report.responseCodes).toEqual({ NOERROR: 2, NXDOMAIN: 2 });
    expect(report.averageLatencyMs).toBeCloseTo(0.807);
    expect(report.latencyMs?.p50).toBeCloseTo(0.182);
    expect(report.latencyMs?.p99).toBeCloseTo(8.811);
  });

  it('names what is missing when dnsperf printed no statistics', () => {
    expect(() => parseDnsperfOutput('Error: could not open q.txt')).toThrow(/dnsperf printed no queries sent/);
  });
});

describe('dig output', () => {
  it('reads status, flags, A records and the transport', () => {
    const output = `;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1
;; flags: qr aa rd ra; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1

;; ANSWER SECTION:
who.test.\t\t60\tIN\tA\t10.0.0.1
who.test.\t\t60\tIN\tA\t10.0.0.9

;; Query time: 0 msec
;; SERVER: 127.0.0.1#40000(127.0.0.1) (TCP)
`;
    expect(parseDigOutput(output, 0)).toMatchObject({
      status: 'NOERROR',
      flags: ['qr', 'aa', 'rd', 'ra'],
      addresses: ['10.0.0.1', '10.0.0.9'],
      transport: 'TCP',
    });
  });

  it('has no status when no server answered', () => {
    expect(parseDigOutput(';; communications error to 127.0.0.1#1: connection refused\n', 9).status).toBeNull();
  });
});

describe('hand-built DNS query', () => {
  it('reads back the A records of a reply, past compressed names', () => {
    const query = dnsQuery(0x1234, 'who.test');
    // The reply: the query's header with QR set and one answer pointing back at the question's name (0xc00c).
    const reply = Buffer.concat([query, Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1])]);
    reply.writeUInt16BE(0x8180, 2);
    reply.writeUInt16BE(1, 6);
    expect(readDnsAnswer(reply, 0x1234)).toEqual({ status: 'NOERROR', addresses: ['10.0.0.1'] });
    expect(() => readDnsAnswer(reply, 0x4321)).toThrow(/another query/);
  });
});
