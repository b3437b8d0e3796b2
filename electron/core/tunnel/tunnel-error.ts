/**
 * How a tunnel attempt failed, which decides what the supervisor does next:
 * `unreachable`: no TCP connection to the server at all (refused, DNS, network down, connect timeout);
 * `retry`: the server was reached but the attempt failed (error answer, hang, tunnel port refused);
 * `fatal`: retrying cannot help (bad configuration, incompatible client library).
 */
export type TunnelErrorKind = 'unreachable' | 'retry' | 'fatal';

/** An error from one tunnel attempt, classified for the retry policy. */
export class TunnelError extends Error {
  constructor(
    message: string,
    readonly kind: TunnelErrorKind,
  ) {
    super(message);
    this.name = 'TunnelError';
  }
}

/** The message of anything thrown or used as an abort reason. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
