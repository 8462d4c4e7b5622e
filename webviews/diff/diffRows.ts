// Side by side, diff2html draws each side as a table of its own; once long lines wrap (style.css),
// a row can be taller on one side than on the other. This makes every row as tall as the taller of
// its two sides, so the sides stay level. All heights are read first, then written: one layout.

export function levelSides(body: HTMLElement): void {
  for (const pair of body.querySelectorAll('.d2h-files-diff')) {
    const [left, right] = [...pair.querySelectorAll('.d2h-file-side-diff')].map((side) => [
      ...side.querySelectorAll<HTMLTableRowElement>('tbody tr'),
    ]);
    if (!left || !right || left.length !== right.length) continue;
    for (const row of [...left, ...right]) row.style.height = '';
    const heights = left.map((row, index) =>
      Math.max(row.getBoundingClientRect().height, right[index]!.getBoundingClientRect().height),
    );
    heights.forEach((height, index) => {
      if (height <= 0) return;
      left[index]!.style.height = `${height}px`;
      right[index]!.style.height = `${height}px`;
    });
  }
}
