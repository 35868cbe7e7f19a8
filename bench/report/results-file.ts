// The saved form of a run (bench/results/<date>.json) and its chart beside it; an old run can be rendered again.
import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchOptions } from '../options.js';
import type { RunEnvironment } from './environment.js';
import type { Measurement } from './measurement.js';
import { roundsSummary } from './rounds-summary.js';
import { svgChart } from './svg-chart.js';
import { markdownTable } from './table.js';

export interface ResultsFile {
  environment: RunEnvironment;
  options: BenchOptions;
  origins: string[];
  scenarios: { id: string; title: string; description: string }[];
  results: Measurement[];
}

function chartOf(file: ResultsFile): string {
  return svgChart(file.results, new Map(file.scenarios.map((scenario) => [scenario.id, scenario.title])), file.environment);
}

/** Writes `<stem>.json` and `<stem>.svg` and returns the Markdown table (and the rounds' summary, if several). */
export function writeResults(stem: string, file: ResultsFile): string {
  writeFileSync(`${stem}.json`, `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(`${stem}.svg`, chartOf(file));
  return markdownTable(file.results) + roundsSummary(file.results);
}

/** Rewrites the SVG beside a saved JSON with the current chart code and returns its table. */
export function renderAgain(jsonPath: string): string {
  const file = JSON.parse(readFileSync(jsonPath, 'utf8')) as ResultsFile;
  writeFileSync(jsonPath.replace(/\.json$/, '.svg'), chartOf(file));
  return markdownTable(file.results) + roundsSummary(file.results);
}
