// Regenerates the README's configuration reference from the settings schema (run after a build).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMarkdownReference } from '../dist/config/reference.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const updated = readme.replace(
  /<!-- config-reference:start -->[\s\S]*<!-- config-reference:end -->/,
  `<!-- config-reference:start -->\n${renderMarkdownReference()}\n<!-- config-reference:end -->`,
);
writeFileSync(readmeUrl, updated);
console.log(updated === readme ? 'README reference already up to date' : 'README reference updated');
