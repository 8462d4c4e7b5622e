import assert from 'node:assert/strict';
import { dropEverywhere, dropPattern, dropsFor, patternText } from '../common/dropEverywhere';
import { waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';

// Fix once for many, on the real local stack: four repositories make the same change, and three of
// them also write a lockfile; the lockfile marked in one diff is dropped from every repository of
// the job in one go: one new revision each where it is, the fourth left alone and said so. A hunk
// goes by its change, wherever it sits in each repository's file.

/** The call to change, after a different amount of the repository's own code. */
const mainJs = (index: number) =>
  `${Array.from({ length: index * 4 + 1 }, (_, line) => `const own${line} = ${line};`).join('\n')}\nexport const value = oldFunction(1);\n`;

const CHANGE =
  "sed -i 's/oldFunction(/newFunction(/' src/main.js && if [ -f .lock-too ]; then printf '{}\\n' > package-lock.json; fi";
const NAMES = ['acme/d0', 'acme/d1', 'acme/d2', 'acme/d3'];

describe('dropping a file or a hunk from many repositories at once', function () {
  this.timeout(180_000);
  const world = useWorld({
    repositories: Object.fromEntries(
      NAMES.map((name, index) => [
        name,
        { 'src/main.js': mainJs(index), ...(index < 3 ? { '.lock-too': 'yes\n' } : {}) },
      ]),
    ),
    stack: { concurrency: 2 },
  });

  it('drops the lockfile marked in one diff from every repository that has it, one revision each', async () => {
    const { client } = world.stack;
    const created = await client.createJob({ name: 'Lockfile everywhere', command: CHANGE, repositories: NAMES });
    await waitForJob(client, created.jobId);
    const { patch } = await client.getDiff(created.jobId, 'acme/d0');
    const pattern = dropPattern(patch!, [{ path: 'package-lock.json' }]);
    assert.equal(patternText(pattern), 'package-lock.json');
    const seen: number[] = [];
    const results = await dropEverywhere(client, created.jobId, NAMES, pattern, (progress) => seen.push(progress.done));
    assert.equal(seen[0], 0, 'the count shows before the first repository is done');
    assert.deepEqual(seen.at(-1), 4);
    const byName = Object.fromEntries(results.map((result) => [result.repositoryName, result]));
    for (const name of ['acme/d0', 'acme/d1', 'acme/d2']) {
      assert.equal(byName[name]?.outcome, 'done', name);
      const row = await client.getRepository(created.jobId, name);
      assert.equal(row.patchRevision, 1, `${name} has one new revision`);
      const revised = (await client.getDiff(created.jobId, name)).patch!;
      assert.ok(!revised.includes('package-lock.json'), `${name} without the lockfile`);
      assert.ok(revised.includes('newFunction(1)'), `${name} keeps its change`);
    }
    assert.deepEqual(byName['acme/d3'], {
      repositoryName: 'acme/d3',
      outcome: 'skipped',
      reason: 'nothing in its diff matches',
    });
    assert.equal((await client.getRepository(created.jobId, 'acme/d3')).patchRevision, undefined);
  });

  it('matches a hunk by its change wherever it sits, and never leaves a repository with nothing', async () => {
    const { client } = world.stack;
    const created = await client.createJob({ name: 'Hunk everywhere', command: CHANGE, repositories: NAMES });
    await waitForJob(client, created.jobId);
    const first = (await client.getDiff(created.jobId, 'acme/d0')).patch!;
    const last = (await client.getDiff(created.jobId, 'acme/d3')).patch!;
    const pattern = dropPattern(first, [{ path: 'src/main.js', hunks: [0] }]);
    // The same change, at another line and with other code around it.
    assert.deepEqual(dropsFor(last, pattern), [{ path: 'src/main.js', hunks: [0] }]);
    assert.notEqual(first.match(/@@ .* @@/)?.[0], last.match(/@@ .* @@/)?.[0], 'the hunks sit at other lines');
    const results = await dropEverywhere(client, created.jobId, NAMES, pattern);
    const byName = Object.fromEntries(results.map((result) => [result.repositoryName, result.outcome]));
    // d0–d2 keep their lockfile; d3 had only that change.
    assert.deepEqual(byName, { 'acme/d0': 'done', 'acme/d1': 'done', 'acme/d2': 'done', 'acme/d3': 'skipped' });
    assert.match(results.find((result) => result.repositoryName === 'acme/d3')!.reason!, /leave nothing/);
    const revised = (await client.getDiff(created.jobId, 'acme/d1')).patch!;
    assert.ok(!revised.includes('newFunction') && revised.includes('package-lock.json'));
  });
});
