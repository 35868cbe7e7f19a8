// The WAF (config file `waf:` at the top level and on a route, http mode): libmodsecurity3 with the OWASP
// Core Rule Set, run over each request's head and body before it is forwarded. The main thread loads each
// distinct WAF config's rules while validating it (a broken rules file fails the start, --check-config and
// the reload); the workers then open the already loaded set (native/waf/waf_rules.h).
import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { native } from '../native/load.js';
import { parseByteSize } from './byte-size.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping, scalarText, stringList } from './shape.js';

export type WafMode = 'detect' | 'block';

export interface WafConfig {
  mode: WafMode;
  paranoia: number;
  /** Extra rule files, absolute, loaded after the Core Rule Set. */
  rules: string[];
  /** The request body the rules read; a larger body gets 413 on this route. */
  bodyLimit: number;
  /** ModSecurity directives: Fulcrum's CRS setup, the CRS and the extra files. */
  directives: string;
  /** The process-wide rule set's key: the directives and the extra files' digests (an edited file loads anew). */
  key: string;
}

/** Debian's modsecurity-crs (3.3): the rules; Fulcrum writes its own setup instead of /etc/modsecurity/crs. */
export const CRS_RULES = '/usr/share/modsecurity-crs/rules';
export const WAF_PACKAGES = 'apt-get install libmodsecurity-dev modsecurity-crs';
const WAF_KEYS = ['mode', 'paranoia', 'rules', 'bodyLimit'] as const;

const ALLOWED_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/related',
  'text/xml',
  'application/xml',
  'application/soap+xml',
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/grpc',
  'application/grpc+proto',
  'application/grpc+json',
]
  .map((type) => `|${type}|`)
  .join(' ');

/** Fulcrum's CRS setup (what crs-setup.conf would hold), for CRS 3.3's variable names. */
function setupDirectives(mode: WafMode, paranoia: number, bodyLimit: number): string {
  return [
    `SecRuleEngine ${mode === 'block' ? 'On' : 'DetectionOnly'}`,
    'SecRequestBodyAccess On',
    `SecRequestBodyLimit ${bodyLimit}`,
    `SecRequestBodyNoFilesLimit ${bodyLimit}`,
    'SecRequestBodyLimitAction Reject',
    'SecResponseBodyAccess Off',
    'SecAuditEngine Off',
    // ModSecurity's recommended body processors: JSON bodies become ARGS, an unparsable body is refused.
    'SecRule REQUEST_HEADERS:Content-Type "@rx ^application/(?:[a-z.+-]+\\+)?json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"',
    'SecRule REQBODY_ERROR "!@eq 0" "id:200002,phase:2,t:none,log,deny,status:400,msg:\'Failed to parse request body.\'"',
    // Anomaly scoring, as CRS ships it: rules add to a score, 949110 blocks at the threshold (5: one critical match).
    // `auditlog` keeps each match's message in the transaction, where the rule ids are read (no audit log is written).
    'SecDefaultAction "phase:1,log,auditlog,pass"',
    'SecDefaultAction "phase:2,log,auditlog,pass"',
    `SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=${paranoia}"`,
    // CRS 3.3 allows only GET HEAD POST OPTIONS by default (911100); a proxy in front of APIs sees PUT, PATCH and DELETE.
    'SecAction "id:900200,phase:1,nolog,pass,t:none,setvar:\'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE\'"',
    // CRS 3.3's request content types (920420) plus gRPC's, which Fulcrum proxies; otherwise every gRPC call on a WAF route is refused.
    `SecAction "id:900220,phase:1,nolog,pass,t:none,setvar:'tx.allowed_request_content_type=${ALLOWED_CONTENT_TYPES}'"`,
    'SecAction "id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334"',
  ].join('\n');
}

/**
 * Log4Shell (CVE-2021-44228): CRS 4's rule 944150, which Debian's CRS 3.3 lacks, with CRS 3.3's scoring. Its own
 * id (outside CRS's 900000-999999) so that a CRS that has 944150 loads beside it. Runs before 949110 sums the score.
 */
const LOG4SHELL_RULE =
  'SecRule REQUEST_LINE|ARGS|ARGS_NAMES|REQUEST_COOKIES|REQUEST_COOKIES_NAMES|REQUEST_HEADERS|XML:/*|XML://@* ' +
  '"@rx (?i)(?:\\$|&dollar;?)(?:\\{|&l(?:brace|cub);?)(?:[^\\}]{0,15}(?:\\$|&dollar;?)(?:\\{|&l(?:brace|cub);?)|jndi|ctx)" ' +
  '"id:1944150,phase:2,block,t:none,t:urlDecodeUni,t:jsDecode,t:htmlEntityDecode,log,' +
  "msg:'Potential Remote Command Execution: Log4j / Log4shell (CRS 4 rule 944150)',severity:'CRITICAL'," +
  "setvar:'tx.rce_score=+%{tx.critical_anomaly_score}',setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"";

/** The Core Rule Set's files in load order, with the Log4Shell rule before the blocking evaluation; null when absent. */
function crsIncludes(): string[] | null {
  let files: string[];
  try {
    files = readdirSync(CRS_RULES)
      .filter((file) => file.endsWith('.conf'))
      .sort();
  } catch {
    return null;
  }
  return files.flatMap((file) => [...(file.startsWith('REQUEST-949') ? [LOG4SHELL_RULE] : []), `Include "${CRS_RULES}/${file}"`]);
}

export function parseWaf(value: unknown, where: string, baseDir: string, problems: ConfigProblems): WafConfig | undefined {
  if (!isMapping(value)) {
    problems.add(where, value, 'expected {mode: detect | block, paranoia: 1-4, rules: [extra .conf files], bodyLimit: "128kb"}');
    return undefined;
  }
  if (!checkKeys(value, WAF_KEYS, where, problems)) return undefined;
  const mode = value.mode ?? 'block';
  if (mode !== 'detect' && mode !== 'block') problems.add(`${where}.mode`, value.mode, 'expected detect (log only) or block (403)');
  const paranoia = value.paranoia ?? 1;
  const validParanoia = typeof paranoia === 'number' && Number.isInteger(paranoia) && paranoia >= 1 && paranoia <= 4;
  if (!validParanoia)
    problems.add(`${where}.paranoia`, value.paranoia, 'expected a CRS paranoia level from 1 (fewest false positives) to 4');
  const listed = value.rules === undefined ? [] : stringList(value.rules);
  if (listed === undefined) problems.add(`${where}.rules`, value.rules, 'expected a list of ModSecurity rule files (.conf)');
  const rules = (listed ?? []).map((file) => resolve(baseDir, file));
  const unreadable = rules.filter((file, index) => {
    try {
      accessSync(file, constants.R_OK);
      return false;
    } catch {
      problems.add(`${where}.rules[${index}]`, listed?.[index], `cannot read ${file}; give an existing ModSecurity rules file`);
      return true;
    }
  });
  const bodyLimitText = value.bodyLimit === undefined ? '128kb' : scalarText(value.bodyLimit);
  const bodyLimit =
    bodyLimitText === undefined
      ? problems.add(`${where}.bodyLimit`, value.bodyLimit, 'expected a size such as 128kb')
      : problems.attempt(`${where}.bodyLimit`, value.bodyLimit, () => parseByteSize(bodyLimitText, 1, 1024 ** 3));
  if (
    (mode !== 'detect' && mode !== 'block') ||
    !validParanoia ||
    listed === undefined ||
    unreadable.length > 0 ||
    bodyLimit === undefined
  ) {
    return undefined;
  }
  const crs = crsIncludes();
  if (crs === null) {
    problems.add(where, '…', `the OWASP Core Rule Set is not installed in ${CRS_RULES}; install it (${WAF_PACKAGES}), or remove waf`);
    return undefined;
  }
  // Extra files load after the CRS: their SecRuleRemoveById / SecRuleUpdateTargetById apply to it, their own rules run after it.
  const directives = [setupDirectives(mode, paranoia, bodyLimit), ...crs, ...rules.map((file) => `Include "${file}"`)].join('\n');
  const digests = rules.map((file) => createHash('sha256').update(readFileSync(file)).digest('hex'));
  const config: WafConfig = { mode, paranoia, rules, bodyLimit, directives, key: `${directives}\n${digests.join('\n')}` };
  return loadWafRules(config, where, problems) ? config : undefined;
}

/** Loads the rules once in this process (the workers then share them); records why they would not load. */
function loadWafRules(config: WafConfig, where: string, problems: ConfigProblems): boolean {
  const { waf } = native;
  if (!waf.available) {
    problems.add(
      where,
      '…',
      `this Fulcrum's native addon was built without libmodsecurity; install it and the Core Rule Set (${WAF_PACKAGES}), ` +
        'then rebuild the addon with "npm run build:native", or remove waf',
    );
    return false;
  }
  try {
    waf.load(config.key, config.directives);
    return true;
  } catch (error) {
    const reason = (error as Error).message.trim().replace(/\s+/g, ' ');
    const files =
      config.rules.length > 0 ? `the Core Rule Set (${CRS_RULES}) or ${config.rules.join(', ')}` : `the Core Rule Set (${CRS_RULES})`;
    problems.add(`${where}.rules`, config.rules, `libmodsecurity could not load ${files}: ${reason}; fix the rule file it names`);
    return false;
  }
}
