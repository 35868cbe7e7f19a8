// Stops what a test started (Fulcrum processes, origins) after each test, also when the test failed.
import { afterEach } from 'vitest';

export interface Cleanup {
  /** Registers a stop action; returns the thing it stops, for inline use. */
  add<T>(thing: T, stop: (thing: T) => unknown): T;
}

export function cleanupAfterEach(): Cleanup {
  let stops: (() => unknown)[] = [];
  afterEach(async () => {
    const pending = stops;
    stops = [];
    await Promise.all(pending.map((stop) => stop()));
  });
  return {
    add(thing, stop) {
      stops.push(() => stop(thing));
      return thing;
    },
  };
}
