/** One line of the reconciliation table: what a store should hold and what it holds. */
export interface Check {
  check: string;
  expected: number;
  actual: number;
}

export const agrees = (c: Check): boolean => c.expected === c.actual;

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines = checks.map((c) => `${agrees(c) ? 'ok      ' : 'MISMATCH'}  ${c.check.padEnd(width)}  expected ${c.expected}  got ${c.actual}`);
  const bad = checks.filter((c) => !agrees(c)).length;
  lines.push(bad === 0 ? `all ${checks.length} checks agree` : `${bad} of ${checks.length} checks disagree`);
  return `${lines.join('\n')}\n`;
}
