import assert from 'node:assert/strict';
import { bulkProgress } from '../../../common/actionResults';
import { makeDom } from '../../../test/helpers/dom';
import { actionBox } from './actionProgress';

// The web app's bulk action box, fed as the typed client's pullRequestActionAll feeds it: a count
// before the first answer, each repository as its result comes, the host's wait, then a summary
// with the repositories not done behind "Show Not Done".

describe('web app: a bulk action as it goes', () => {
  it('counts from the start, lists each result as it comes, and ends with a summary and Show Not Done', async () => {
    const dom = makeDom();
    const box = actionBox(dom.document, 'Merging', { done: 'Merged', things: 'pull requests', jobName: 'Adopt v2' }, 3);
    dom.root.append(box.element);
    const line = () => dom.root.querySelector('.progress-line')?.textContent;
    const listed = () => [...dom.root.querySelectorAll('ol.action-lines li')].map((item) => item.textContent);
    assert.equal(line(), 'Merging: 0 of 3 done', 'the count before any pull request answered');
    assert.equal(box.element.getAttribute('aria-busy'), 'true');

    const onProgress = bulkProgress(box.progress);
    onProgress({ done: 1, remaining: 2, results: [{ repositoryName: 'acme/a', outcome: 'done' }] });
    assert.equal(line(), 'Merging: 1 of 3 done · acme/a: done');
    assert.deepEqual(listed(), ['acme/a: done']);
    onProgress({
      done: 1,
      remaining: 2,
      results: [],
      waitingSeconds: 60,
      reason: 'secondary rate limit',
    });
    assert.equal(line(), 'Merging: 1 of 3 done · acme/a: done · waiting 60 s: secondary rate limit');
    onProgress({
      done: 3,
      remaining: 0,
      results: [
        { repositoryName: 'acme/b', outcome: 'skipped', reason: 'checks failing' },
        { repositoryName: 'acme/c', outcome: 'done' },
      ],
    });
    assert.deepEqual(listed(), ['acme/a: done', 'acme/b: skipped — checks failing', 'acme/c: done']);

    box.finish([
      { repositoryName: 'acme/a', outcome: 'done' },
      { repositoryName: 'acme/b', outcome: 'skipped', reason: 'checks failing' },
      { repositoryName: 'acme/c', outcome: 'done' },
    ]);
    assert.equal(line(), 'Merged 2 of 3 pull requests of "Adopt v2"; 1 not done.');
    assert.equal(box.element.hasAttribute('aria-busy'), false);
    assert.equal(listed().length, 3, 'each repository once');
    const show = dom.root.querySelector<HTMLButtonElement>('#show-not-done')!;
    const notDone = dom.root.querySelector<HTMLElement>('#not-done')!;
    assert.equal(notDone.hidden, true);
    show.click();
    assert.equal(notDone.hidden, false);
    assert.equal(show.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(
      [...notDone.querySelectorAll('li')].map((item) => item.textContent),
      ['acme/b — checks failing'],
    );
    await dom.close();
  });

  it('lists the results of an action that reports only at its end, and offers nothing more when all was done', async () => {
    const dom = makeDom();
    const box = actionBox(
      dom.document,
      'Publishing',
      { done: 'Published', things: 'repositories', jobName: 'Adopt v2' },
      undefined,
    );
    dom.root.append(box.element);
    assert.equal(dom.root.querySelector('.progress-line')?.textContent, 'Publishing: 0 done');
    box.finish([{ repositoryName: 'acme/a', outcome: 'queued' }]);
    assert.equal(dom.root.querySelector('.progress-line')?.textContent, 'Published 1 of 1 repositories of "Adopt v2".');
    assert.equal(dom.root.querySelectorAll('ol.action-lines li').length, 1);
    assert.equal(dom.root.querySelector('#show-not-done'), null);
    await dom.close();
  });
});
