// Reads the optional config file (FULCRUM_CONFIG / --config): YAML or JSON, chosen by extension.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument, parse as parseYaml } from 'yaml';
import { FulcrumError } from '../errors.js';

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `config file ${path} cannot be read (${reason}); fix the path in FULCRUM_CONFIG or --config, or unset it.`,
    );
  }
  let document: unknown;
  try {
    document = extname(path) === '.json' ? parseJson(text) : parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${reason}`,
    );
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new FulcrumError('FULCRUM_ERR_CONFIG', `config file ${path} must hold a mapping of settings at the top level.`);
  }
  return document as Record<string, unknown>;
}

/**
 * JSON.parse keeps the last of two equal keys without a word, so a pool or setting written twice would
 * silently lose its first entry. JSON is YAML 1.2 flow syntax, so the YAML parser finds the repeats.
 */
function parseJson(text: string): unknown {
  const document = JSON.parse(text) as unknown;
  const repeated = parseDocument(text, { uniqueKeys: true }).errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (repeated) {
    const key = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(repeated.pos[0]))?.[0] ?? 'a key';
    const at = repeated.linePos?.[0];
    throw new Error(`${key} appears twice in one object${at ? ` (again at line ${at.line}, column ${at.col})` : ''}; keep one of them`);
  }
  return document;
}
