import assert from 'node:assert/strict';
import { groupRepositories } from '../../common/repositoryStates';
import { waitForJob } from '../../test/helpers/jobs';
import { useWorld } from '../../test/helpers/world';
import { jobContents } from './jobContents';
import { JobsModel } from './model';
import { repositoryTooltip } from './present';

// Repositories three and four levels deep (GitLab's nested groups) in the Jobs tree: a job over
// them runs on the local stack (the folder host nests groups as folders), and the tree's model,
// groups and tooltips carry each whole name, as does the diff the tree opens.

const NAMES = ['acme/platform/api', 'acme/platform/tools/web', 'acme/site'];

describe('the Jobs tree with names of three and more segments', function () {
  this.timeout(90_000);
  const world = useWorld({
    repositories: Object.fromEntries(NAMES.map((name) => [name, { 'a.txt': 'old\n' }])),
    stack: true,
  });

  it('lists, groups and describes each repository by its whole path, and opens its diff', async () => {
    const created = await world.stack.client.createJob({
      name: 'Nested',
      command: 'echo new > a.txt',
      repositoryQuery: { owners: ['acme'] },
    });
    const job = await waitForJob(world.stack.client, created.jobId);
    assert.equal(job.status, 'COMPLETED');

    const model = new JobsModel(world.stack.client);
    await model.refresh();
    const contents = await jobContents(model, job, undefined, true);
    assert.equal(contents.paged, false);
    const rows = contents.paged ? [] : contents.rows;
    assert.deepEqual(rows.map((row) => row.repositoryName).sort(), NAMES);
    const [changed] = groupRepositories(rows, job);
    assert.deepEqual(changed!.repositories.map((row) => row.repositoryName).sort(), NAMES);
    const deepest = rows.find((row) => row.repositoryName === 'acme/platform/tools/web')!;
    assert.match(repositoryTooltip(deepest), /^acme\/platform\/tools\/web — /);
    const diff = await world.stack.client.getDiff(job.jobId, deepest.repositoryName);
    assert.match(diff.patch!, /^\+new$/m);
  });
});
