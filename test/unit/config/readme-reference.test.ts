import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderMarkdownReference } from '../../../src/config/reference.js';

it('the README configuration reference matches the settings schema', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
  expect(section, 'README.md lacks the config-reference markers').not.toBeNull();
  expect(section?.[1], 'README reference is stale: run `npm run build && npm run config:reference`').toBe(renderMarkdownReference());
});
