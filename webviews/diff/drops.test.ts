import assert from 'node:assert/strict';
import { DropMarks } from './drops';

describe('Hunks marked to drop', () => {
  const counts = new Map([
    ['src/a.ts', 3],
    ['package-lock.json', 1],
  ]);

  it('sends marked hunks by index and marked files whole, in the patch’s order', () => {
    const marks = new DropMarks(counts);
    assert.equal(marks.request(0), undefined);
    assert.equal(marks.toggleFile('package-lock.json'), true);
    assert.equal(marks.toggleHunk('src/a.ts', 2), true);
    marks.toggleHunk('src/a.ts', 0);
    assert.deepEqual(marks.request(1), {
      basedOn: 1,
      drop: [{ path: 'src/a.ts', hunks: [0, 2] }, { path: 'package-lock.json' }],
    });
    assert.equal(marks.summary(), '2 hunks and 1 file marked to drop');
    assert.equal(marks.dropsEverything(), false);
  });

  it('takes marks back, and keeps one hunk of a file that was marked whole', () => {
    const marks = new DropMarks(counts);
    marks.toggleHunk('src/a.ts', 1);
    assert.equal(marks.toggleHunk('src/a.ts', 1), false);
    assert.equal(marks.summary(), undefined);
    marks.toggleFile('src/a.ts');
    assert.equal(marks.hunkMarked('src/a.ts', 1), true);
    assert.equal(marks.toggleHunk('src/a.ts', 1), false);
    assert.deepEqual(marks.drop(), [{ path: 'src/a.ts', hunks: [0, 2] }]);
  });

  it('sends a file with every hunk marked as the whole file, and knows when nothing would be left', () => {
    const marks = new DropMarks(counts);
    for (const hunk of [0, 1, 2]) marks.toggleHunk('src/a.ts', hunk);
    assert.deepEqual(marks.drop(), [{ path: 'src/a.ts' }]);
    marks.toggleHunk('package-lock.json', 0);
    assert.equal(marks.dropsEverything(), true);
    marks.clear();
    assert.equal(marks.request(0), undefined);
  });
});
