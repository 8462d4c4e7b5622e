/**
 * Runs `work` on every item, at most `limit` at a time, and waits for all of them. Rows move with
 * single-item conditional writes and atomic counters, so they need no order among themselves; a
 * bounded fan-out is what keeps 1,000 of them within an API call's 29 s.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
