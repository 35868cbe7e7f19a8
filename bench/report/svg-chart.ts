// Draws the results as one SVG: a panel per scenario, a bar per contender, scaled to the best in that panel.
import type { RunEnvironment } from './environment.js';
import { contenderLabel, formatBytes, formatPrimary, formatRatio, primaryFigureOf } from './format.js';
import type { Measurement } from './measurement.js';

const WIDTH = 1060;
const LABEL_WIDTH = 230;
const BAR_SPACE = 480;
const ROW_HEIGHT = 22;
const PANEL_GAP = 18;

const FAMILY_COLORS: Record<string, string> = {
  direct: '#8a8f98',
  haproxy: '#3b6fb6',
  nginx: '#3a9a5b',
  fulcrum: '#e07b22',
};

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function colorOf(contender: string): string {
  return FAMILY_COLORS[contender.split('-')[0] ?? ''] ?? '#666';
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escapeXml(content)}</text>`;
}

function barCaption(row: Measurement): string {
  const parts = [formatPrimary(row)];
  if (row.idle) {
    if (row.idle.memoryPerConnectionBytes !== null) parts.push(`${formatBytes(row.idle.memoryPerConnectionBytes)}/conn`);
  } else {
    parts.push(
      `${formatRatio(row.toDirect?.[primaryFigureOf(row)] ?? null)} direct`,
      `${formatRatio(row.toHaproxy?.[primaryFigureOf(row)] ?? null)} HAProxy`,
    );
  }
  if (row.generatorSaturated) parts.push('⚠ generator saturated');
  return parts.join(' · ');
}

function panel(title: string, rows: Measurement[], top: number): { svg: string[]; height: number } {
  const svg = [text(10, top + 16, title, 'font-weight="bold" font-size="14"')];
  const values = rows.map((row) => (row.status === 'ok' ? (row[primaryFigureOf(row)] ?? 0) : 0));
  const largest = Math.max(...values, 1);
  rows.forEach((row, index) => {
    const y = top + 26 + index * ROW_HEIGHT;
    const label = row.generator === 'wrk' ? `${contenderLabel(row)} (wrk)` : contenderLabel(row);
    svg.push(text(LABEL_WIDTH - 8, y + 14, label, 'text-anchor="end"'));
    if (row.status !== 'ok') {
      svg.push(text(LABEL_WIDTH, y + 14, `${row.status}: ${row.reason.split('\n')[0]?.slice(0, 90) ?? ''}`, 'fill="#b00020"'));
      return;
    }
    if (values[index] === 0) {
      // Direct access under idle connections: there is no proxy process whose memory could be drawn.
      svg.push(text(LABEL_WIDTH, y + 14, 'no proxy process to measure', 'fill="#555"'));
      return;
    }
    const barWidth = Math.max(1, ((values[index] ?? 0) / largest) * BAR_SPACE);
    svg.push(
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${barWidth.toFixed(1)}" height="${ROW_HEIGHT - 6}" fill="${colorOf(row.contender)}"/>`,
    );
    svg.push(text(LABEL_WIDTH + barWidth + 6, y + 14, barCaption(row)));
  });
  return { svg, height: 26 + rows.length * ROW_HEIGHT + PANEL_GAP };
}

export function svgChart(rows: Measurement[], scenarioTitles: Map<string, string>, environment: RunEnvironment): string {
  const body: string[] = [
    text(10, 22, 'Fulcrum bench: side by side, same run', 'font-weight="bold" font-size="16"'),
    text(
      10,
      40,
      `${environment.date} · ${environment.cores} cores · Node ${environment.node} · autocannon ${environment.tools.autocannon}`,
      'fill="#555"',
    ),
  ];
  let top = 52;
  for (const [scenario, title] of scenarioTitles) {
    const scenarioRows = rows.filter((row) => row.scenario === scenario);
    if (scenarioRows.length === 0) continue;
    const drawn = panel(`${scenario}: ${title}`, scenarioRows, top);
    body.push(...drawn.svg);
    top += drawn.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${top}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
