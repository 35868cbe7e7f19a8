// Conditions on named fields (headers; query parameters in access rules) and the regular expressions
// they use, as routes and access rules both read them from the config file.
import isSafeRegex from 'safe-regex2';
import { InvalidValue } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping } from './shape.js';
import type { HeaderMatch } from './types.js';

const HEADER_KEYS = ['name', 'equals', 'regex'] as const;

/**
 * A route's or access rule's pattern. JavaScript regexes backtrack, so one with nested repetition such as
 * `(a+)+` can take exponential time on a crafted path or header: refused (safe-regex2's star-height test),
 * as every request of the route would run it.
 */
export function compileRegex(source: unknown): RegExp {
  if (typeof source !== 'string') throw new InvalidValue('expected a regular expression as a string');
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    throw new InvalidValue(`not a valid regular expression (${(error as Error).message})`);
  }
  if (!isSafeRegex(regex)) {
    throw new InvalidValue(
      'a repetition inside a repetition, such as (a+)+ or (\\w+\\s?)*, can backtrack catastrophically on crafted input; write it without the nested repetition',
    );
  }
  return regex;
}

export function parseHeaders(value: unknown, where: string, problems: ConfigProblems): HeaderMatch[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(where, value, 'expected a list of {name, equals?} or {name, regex?}');
    return undefined;
  }
  return value.flatMap((entry: unknown, index): HeaderMatch[] => {
    const at = `${where}[${index}]`;
    if (!isMapping(entry) || typeof entry.name !== 'string' || entry.name === '') {
      problems.add(at, entry, 'expected {name: HEADER, equals?: TEXT, regex?: PATTERN}');
      return [];
    }
    if (!checkKeys(entry, HEADER_KEYS, at, problems)) return [];
    if (entry.equals !== undefined && entry.regex !== undefined) {
      problems.add(at, entry, 'give equals or regex, not both');
      return [];
    }
    const header: HeaderMatch = { name: entry.name.toLowerCase() };
    if (entry.equals !== undefined) header.equals = String(entry.equals);
    if (entry.regex !== undefined) {
      const regex = problems.attempt(`${at}.regex`, entry.regex, () => compileRegex(entry.regex));
      if (!regex) return [];
      header.regex = regex;
    }
    return [header];
  });
}
