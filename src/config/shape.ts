// Small helpers for walking an untyped config-file document while recording problems by path.
import type { ConfigProblems } from './problems.js';

export type Document = Record<string, unknown>;

export function isMapping(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records a problem for every key not in `allowed`; returns false if there was any. */
export function checkKeys(node: Document, allowed: readonly string[], where: string, problems: ConfigProblems): boolean {
  let clean = true;
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) {
      problems.add(`${where}.${key}`, node[key], `unknown key; expected one of: ${allowed.join(', ')}`);
      clean = false;
    }
  }
  return clean;
}

/** Scalars become the text a user would have written in an env var. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}
