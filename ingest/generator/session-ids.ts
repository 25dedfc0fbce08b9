/**
 * Session-id ranges. Generated (and real) sessions are numbered from 1 and
 * stay far below `RESERVED_SESSION_ID_BASE`; ids from there up belong to the
 * producer's anomaly injection, so an injected bot can never merge with a
 * real session or be mistaken for one.
 */

/** First session id reserved for injected anomalies (900 billion: far above the real set's ~11.5M). */
export const RESERVED_SESSION_ID_BASE = 900_000_000_000;

/** First id the generator hands out. */
export const FIRST_GENERATED_SESSION_ID = 1;

export function isReservedSessionId(sessionId: number): boolean {
  return sessionId >= RESERVED_SESSION_ID_BASE;
}
