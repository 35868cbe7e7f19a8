// native.concurrency: the JS handle onto a process-wide concurrency-count table (native/limits): handles of
// one name share the counts, a key leaves the table at 0, and bad arguments are refused, not guessed at.
import { expect, it } from 'vitest';
import { native } from '../../../src/native/load.js';

it('counts up to max per key, shares the counts between handles of one name, and drops a key at 0', () => {
  const first = native.concurrency.open('concurrency-test', 1000);
  const second = native.concurrency.open('concurrency-test', 1000);
  expect([first.tryAcquire('ip|a', 2), second.tryAcquire('ip|a', 2), first.tryAcquire('ip|a', 2)]).toEqual([true, true, false]);
  expect(second.tryAcquire('ip|b', 2)).toBe(true);
  expect(first.size()).toBe(2);
  second.release('ip|a');
  expect(first.tryAcquire('ip|a', 2)).toBe(true);
  for (const key of ['ip|a', 'ip|a', 'ip|b']) first.release(key);
  expect(second.size()).toBe(0);
  first.release('ip|never'); // not held: ignored
  expect(first.size()).toBe(0);
  expect(native.concurrency.open('concurrency-test-other', 10).tryAcquire('ip|a', 1)).toBe(true);
});

it('refuses bad arguments with a message', () => {
  expect(() => native.concurrency.open('x', 0)).toThrow('concurrency.open(name, capacity) takes a table name and a capacity of at least 1');
  const counts = native.concurrency.open('concurrency-test-args', 10);
  expect(() => counts.tryAcquire(5 as unknown as string, 1)).toThrow('tryAcquire(key, max) takes a string and a number');
  expect(() => counts.tryAcquire('k', -1)).toThrow('tryAcquire needs a max from 0 to 2^32-1');
  expect(() => counts.release(undefined as unknown as string)).toThrow('release(key) takes a string');
});
