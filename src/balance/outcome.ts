// How a picked connection or request ended, as TS names and the codes native/balancer/backend.h gives them.

/** Every outcome but 'success' and 'client-aborted' counts as a failure of the backend. */
export type Outcome = 'success' | 'connect-failure' | 'timeout' | 'reset' | 'server-error' | 'client-aborted';

export const OUTCOME_CODES: Readonly<Record<Outcome, number>> = {
  success: 0,
  'connect-failure': 1,
  timeout: 2,
  reset: 3,
  'server-error': 4,
  'client-aborted': 5,
};
