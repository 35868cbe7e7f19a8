// Collects every configuration problem so the user sees them all at once, each naming where, what and the fix.
import { FulcrumError } from '../errors.js';
import { InvalidValue } from './parsers.js';

export interface ConfigProblem {
  /** An env var, a flag, or a config-file path such as "fulcrum.yaml: pools.api.backends[1]". */
  where: string;
  value: unknown;
  message: string;
}

export class ConfigProblems {
  readonly list: ConfigProblem[] = [];

  add(where: string, value: unknown, message: string): void {
    this.list.push({ where, value, message });
  }

  /** Runs a parser; on InvalidValue records the problem and returns undefined. */
  attempt<T>(where: string, value: unknown, parse: () => T): T | undefined {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      this.add(where, value, error.message);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const lines = this.list.map((problem) => `${problem.where}=${JSON.stringify(problem.value)} is invalid: ${problem.message}.`);
    const heading = this.list.length === 1 ? 'invalid configuration' : `${this.list.length} configuration problems`;
    throw new FulcrumError('FULCRUM_ERR_CONFIG', `${heading}:\n  ${lines.join('\n  ')}\nRun "fulcrum --help" for every setting.`);
  }
}
