// GET /: the dashboard as one self-contained HTML page, assembled once when the admin server starts from
// src/admin/dashboard/ (page, style, script) and uPlot's built files, then served from memory.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface DashboardPage {
  html: string;
  /** Allows exactly the page's own inline scripts (by hash) and requests to the admin API itself. */
  contentSecurityPolicy: string;
}

// The same path from src/admin/ and dist/admin/: the assets are not TypeScript, so tsc does not copy them
// to dist; package.json `files` ships src/admin/dashboard/ instead.
const ASSETS = new URL('../../src/admin/dashboard/', import.meta.url);

function asset(name: string): string {
  return readFileSync(new URL(name, ASSETS), 'utf8');
}

function scriptHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source).digest('base64')}'`;
}

/** Reads and assembles the page; throws (naming the missing file) when the installation lacks one. */
export function loadDashboardPage(): DashboardPage {
  const require = createRequire(import.meta.url);
  const uplotScript = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotStyle = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const figuresScript = asset('figures.js');
  const pageScript = asset('dashboard.js');
  const parts: Record<string, string> = {
    UPLOT_STYLE: uplotStyle,
    PAGE_STYLE: asset('dashboard.css'),
    UPLOT_SCRIPT: uplotScript,
    FIGURES_SCRIPT: figuresScript,
    PAGE_SCRIPT: pageScript,
  };
  // A replacer function: minified code holds `$&`-like sequences that a replacement string would expand.
  // The markers are comments (/*PAGE_SCRIPT*/), so the template itself stays valid HTML, CSS and JS.
  const html = asset('page.html').replace(/\/\*([A-Z_]+)\*\//g, (marker, name: string) => parts[name] ?? marker);
  return {
    html,
    contentSecurityPolicy: [
      "default-src 'none'",
      `script-src ${[uplotScript, figuresScript, pageScript].map(scriptHash).join(' ')}`,
      // uPlot sizes and places its elements through inline styles.
      "style-src 'unsafe-inline'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
}
