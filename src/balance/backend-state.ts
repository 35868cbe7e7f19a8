// Backend states as TS names, and the codes native/balancer/backend.h gives them.

export const BACKEND_STATES = ['up', 'down', 'draining', 'disabled'] as const;
export type BackendState = (typeof BACKEND_STATES)[number];

/** Native code of each state: its position in BACKEND_STATES (BackendState in backend.h). */
export const BACKEND_STATE_CODES: Readonly<Record<BackendState, number>> = {
  up: 0,
  down: 1,
  draining: 2,
  disabled: 3,
};
