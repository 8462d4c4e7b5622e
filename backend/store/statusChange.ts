// A conditional status change, as the jobs and the repositories tables both write one: the item
// moves to `to` only from one of `from`, and sets and removes other attributes, by name, in the same
// write. Each table adds its own SET clauses, values and conditions to what this builds.

export interface StatusChange {
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** SET clauses, the status's first. */
  sets: string[];
  /** REMOVE clauses. */
  removes: string[];
  /** The condition on the status; a table adds its own with ` AND …`. */
  condition: string;
}

export function statusChange(
  from: readonly string[],
  to: string,
  set: Record<string, unknown> = {},
  remove: readonly string[] = [],
): StatusChange {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': to };
  for (const [i, status] of from.entries()) values[`:from${i}`] = status;
  const sets = ['#status = :to'];
  Object.entries(set).forEach(([name, value], i) => {
    names[`#set${i}`] = name;
    values[`:set${i}`] = value;
    sets.push(`#set${i} = :set${i}`);
  });
  const removes = remove.map((name, i) => {
    names[`#rm${i}`] = name;
    return `#rm${i}`;
  });
  const condition = `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`;
  return { names, values, sets, removes, condition };
}

/** The UpdateExpression of a change: its SET clauses, then its REMOVE clauses when it has any. */
export function updateExpression(change: StatusChange): string {
  return `SET ${change.sets.join(', ')}${change.removes.length ? ` REMOVE ${change.removes.join(', ')}` : ''}`;
}
