import assert from 'node:assert/strict';
import { newJobId } from './ids';
import { chooseSample, heldBack } from './sample';

const ownerOf = (name: string) => name.split('/')[0]!;

describe('sample choice', () => {
  const repositories = ['big/a', 'big/b', 'big/c', 'big/d', 'big/e', 'big/f', 'solo/only', 'pair/one', 'pair/two'];

  it('is the same for the same job, whatever order the list came in', () => {
    const jobId = newJobId();
    const first = chooseSample(jobId, repositories, 4);
    assert.deepEqual(chooseSample(jobId, repositories, 4), first);
    assert.deepEqual(chooseSample(jobId, [...repositories].reverse(), 4), first);
  });

  it('differs between jobs', () => {
    const samples = new Set(Array.from({ length: 20 }, () => chooseSample(newJobId(), repositories, 2).join(',')));
    assert.ok(samples.size > 1, 'twenty jobs all sampled the same repositories');
  });

  it('takes one repository of every owner before a second of any', () => {
    for (let i = 0; i < 20; i++) {
      const jobId = newJobId();
      const three = chooseSample(jobId, repositories, 3);
      assert.deepEqual(three.map(ownerOf).sort(), ['big', 'pair', 'solo'], three.join(', '));
      const five = chooseSample(jobId, repositories, 5);
      const perOwner = new Map<string, number>();
      for (const name of five) perOwner.set(ownerOf(name), (perOwner.get(ownerOf(name)) ?? 0) + 1);
      // Round two: big and pair give a second; solo has no more.
      assert.deepEqual(Object.fromEntries(perOwner), { big: 2, pair: 2, solo: 1 }, five.join(', '));
      assert.deepEqual(five.slice(0, 3), three, 'a larger sample starts with the smaller one');
      assert.equal(new Set(five).size, 5);
    }
  });

  it('treats owners case-insensitively, as the host does', () => {
    const names = ['Acme/a', 'acme/b', 'other/c'];
    for (let i = 0; i < 10; i++)
      assert.deepEqual(
        chooseSample(newJobId(), names, 2)
          .map((name) => ownerOf(name).toLowerCase())
          .sort(),
        ['acme', 'other'],
      );
  });

  it('counts the rows held back only while the sample waits for its continue', () => {
    const counts = { total: 5, pending: 3, running: 0, completed: 2, noChanges: 0, failed: 0, cancelled: 0 };
    assert.equal(heldBack({ counts }), 0);
    assert.equal(heldBack({ counts, sample: { size: 2 } }), 3);
    assert.equal(heldBack({ counts, sample: { size: 2, continuedAt: '2030-01-01T00:00:00Z' } }), 0);
  });
});

describe('a sample across GitLab’s subgroups', () => {
  it('takes one of each subgroup before a second of any (the namespace is the owner)', () => {
    const platform = Array.from({ length: 9 }, (_, i) => `acme/platform/service-${i}`);
    const sample = chooseSample('01hbbbbbbbbbbbbbbbbbbbbbbb', [...platform, 'acme/web/site'], 2);
    assert.ok(sample.includes('acme/web/site'), sample.join(', '));
    assert.equal(sample.filter((name) => name.startsWith('acme/platform/')).length, 1);
  });
});
