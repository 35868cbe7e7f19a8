// Where the repository is, found from this file whether it runs compiled or not.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'fulcrum') return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('bench: cannot find the fulcrum repository above this file');
    folder = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
export const FULCRUM_CLI = join(REPO_ROOT, 'dist', 'cli.js');
export const DEFAULT_RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
