import { describe, expect, it } from 'vitest';
import { GuardianError } from '../../lib/errors.ts';
import { retry } from '../../lib/retry.ts';

describe('retry', () => {
  it('with a fixed backoff waits the same delay before every new attempt', async () => {
    const delays: number[] = [];
    const at: number[] = [];
    const result = await retry(
      async (attempt) => {
        at.push(performance.now());
        if (attempt < 3) throw new Error(`attempt ${attempt}`);
        return 'done';
      },
      { attempts: 3, initialDelayMs: 60, backoff: 'fixed', onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([60, 60]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(55);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(55);
  });

  it('doubles the delay by default, up to the bound', async () => {
    const delays: number[] = [];
    await expect(
      retry(async () => { throw new Error('no'); }, { attempts: 5, initialDelayMs: 1, maxDelayMs: 4, onRetry: (_e, _a, d) => delays.push(d) }),
    ).rejects.toThrow('operation failed after 5 attempt(s): no');
    expect(delays).toEqual([1, 2, 4, 4]);
  });

  it('stops waiting at once when the signal aborts, and reports the last failure', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    let attempts = 0;
    await expect(
      retry(async () => { attempts++; throw new Error('still down'); }, { attempts: 3, initialDelayMs: 60_000, backoff: 'fixed', signal: controller.signal, description: 'step x' }),
    ).rejects.toThrow('step x stopped after 1 attempt(s): still down');
    expect(attempts).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('does not retry what cannot succeed', async () => {
    let attempts = 0;
    await expect(retry(async () => { attempts++; throw new GuardianError('bad input'); }, { attempts: 3, initialDelayMs: 1 })).rejects.toThrow(
      'operation failed after 1 attempt(s): bad input',
    );
    expect(attempts).toBe(1);
  });
});
