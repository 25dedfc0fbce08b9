/** Argument checks and the anomaly cursor (graphql/validation.ts): every failure is coded and names its argument. */
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { boundedInt, dayRange, decodeCursor, encodeCursor, instantRange, MAX_RANGE_DAYS } from '../../graphql/validation.ts';

const failure = (attempt: () => unknown): GraphQLError => {
  try {
    attempt();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected a failure');
};

describe('argument checks', () => {
  it('bounds integers, with a fallback when omitted', () => {
    expect(boundedInt('limit', undefined, { min: 1, max: 100, fallback: 20 })).toBe(20);
    expect(boundedInt('limit', 100, { min: 1, max: 100, fallback: 20 })).toBe(100);
    const error = failure(() => boundedInt('limit', 101, { min: 1, max: 100, fallback: 20 }));
    expect(error.message).toBe('limit: expected an integer from 1 to 100, got 101');
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'limit' });
    expect(failure(() => boundedInt('first', 0, { min: 1, max: 500, fallback: 50 })).extensions.argument).toBe('first');
  });

  it('orders and bounds day ranges', () => {
    expect(dayRange('2014-04-01', '2014-04-01')).toEqual({ from: '2014-04-01', to: '2014-04-01' });
    expect(failure(() => dayRange('2014-04-02', '2014-04-01')).message).toBe('to: 2014-04-01 is before from 2014-04-02');
    expect(dayRange('2014-01-01', '2015-01-01')).toBeTruthy();
    expect(failure(() => dayRange('2014-01-01', '2015-01-02')).message).toContain(`at most ${MAX_RANGE_DAYS}`);
  });

  it('wants an instant range\'s end after its start', () => {
    expect(instantRange(1, 2)).toEqual({ from: 1, to: 2 });
    expect(instantRange(null, undefined)).toEqual({ from: undefined, to: undefined });
    expect(failure(() => instantRange(2, 2)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
  });
});

describe('the anomalies cursor', () => {
  it('round-trips a position and refuses anything else', () => {
    const position = { windowStart: 1396828800000, sessionId: 900000000123, type: 'BOT_LIKE' };
    expect(decodeCursor('after', encodeCursor(position))).toEqual(position);
    for (const bad of ['', 'not-a-cursor', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(failure(() => decodeCursor('after', bad)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
  });
});
