// Errors with stable codes (FULCRUM_ERR_*); a FulcrumError is a user-facing problem, printed without a stack.

export type FulcrumErrorCode =
  | 'FULCRUM_ERR_CONFIG'
  | 'FULCRUM_ERR_ADDON_LOAD'
  | 'FULCRUM_ERR_LISTEN'
  | 'FULCRUM_ERR_PORT_IN_USE'
  | 'FULCRUM_ERR_TLS'
  | 'FULCRUM_ERR_WORKER'
  | 'FULCRUM_ERR_UWS_LOAD'
  | 'FULCRUM_ERR_BALANCER'
  | 'FULCRUM_ERR_L4';

export class FulcrumError extends Error {
  readonly code: FulcrumErrorCode;

  constructor(code: FulcrumErrorCode, message: string) {
    super(message);
    this.name = 'FulcrumError';
    this.code = code;
  }
}
