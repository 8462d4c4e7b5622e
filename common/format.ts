// Numbers as people read them, one home for every client (tree, CLI, webviews). Browser-safe.

/**
 * A cost in dollars. `'summary'` (a job or a repository) rounds to cents; `'turn'` (one Claude call,
 * often a fraction of a cent) keeps enough digits to compare turns.
 */
export function formatCost(usd: number, precision: 'summary' | 'turn' = 'summary'): string {
  if (usd === 0) return '$0';
  if (precision === 'summary') return usd < 0.01 ? '<$0.01' : `$${usd.toFixed(2)}`;
  if (usd < 0.0001) return '<$0.0001';
  return `$${usd.toFixed(usd < 0.01 ? 4 : usd < 1 ? 3 : 2)}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
