// Round robin and smooth weighted round robin: exact, table-driven pick sequences.
import { afterAll, describe, expect, it } from 'vitest';
import { backends, destroyPools, pickSequence, pool } from './pool-fixture.js';

afterAll(destroyPools);

const letters = (indices: number[]): string => indices.map((index) => (index < 0 ? '-' : 'abcdefgh'[index])).join('');

describe('round robin', () => {
  const cases: { name: string; count: number; down: number[]; picks: number; expected: string }[] = [
    { name: 'three backends take turns', count: 3, down: [], picks: 7, expected: 'abcabca' },
    { name: 'a down backend loses its turns, no one doubles up', count: 3, down: [1], picks: 6, expected: 'acacac' },
    { name: 'one up backend takes every pick', count: 4, down: [0, 1, 3], picks: 3, expected: 'ccc' },
    { name: 'all down gives no backend', count: 2, down: [0, 1], picks: 2, expected: '--' },
  ];
  it.each(cases)('$name', ({ count, down, picks, expected }) => {
    const target = pool({ algorithm: 'round-robin', backends: backends(count) });
    for (const index of down) target.setState(index, 'down');
    expect(letters(pickSequence(target, picks))).toBe(expected);
  });
});

describe('smooth weighted round robin (NGINX)', () => {
  const cases: { weights: number[]; expected: string }[] = [
    { weights: [5, 1, 1], expected: 'aabacaa' },
    { weights: [1, 1, 1], expected: 'abc' },
    { weights: [2, 1], expected: 'aba' },
    { weights: [4, 2, 1], expected: 'abacaba' },
    { weights: [10, 5], expected: 'aba' },
    { weights: [3, 3, 2], expected: 'abcabcab' },
  ];
  it.each(cases)('weights $weights interleave as $expected, then repeat', ({ weights, expected }) => {
    const target = pool({ algorithm: 'weighted-round-robin', backends: backends(weights.length, weights) });
    expect(letters(pickSequence(target, expected.length * 2))).toBe(expected + expected);
  });

  it('skips a down backend and keeps the others in proportion', () => {
    const target = pool({ algorithm: 'weighted-round-robin', backends: backends(3, [5, 1, 1]) });
    target.setState(0, 'draining');
    expect(letters(pickSequence(target, 4))).toBe('bcbc');
  });

  it('follows a weight change (rebuilt and swapped picker)', () => {
    const target = pool({ algorithm: 'weighted-round-robin', backends: backends(3, [1, 1, 1]) });
    target.setWeight(0, 5);
    expect(letters(pickSequence(target, 7))).toBe('aabacaa');
  });
});
