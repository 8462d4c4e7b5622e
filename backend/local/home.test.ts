import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from '../../test/helpers/localStack';
import { writeStackInfo } from './home';

describe('backend/local/home: stack.json', () => {
  it('is never seen half-written by a reader while the stack rewrites it', async () => {
    // The CLI and the extension read stack.json while the stack may rewrite it (a DynamoDB restart);
    // a reader must see the old file or the new one, never an empty or cut one.
    const stackPath = path.join(await makeTempDir(), 'stack.json');
    const info = (n: number) => ({
      pid: process.pid,
      apiUrl: `http://127.0.0.1:${1000 + n}`,
      dynamodbEndpoint: 'http://127.0.0.1:2000',
    });
    await writeStackInfo(stackPath, info(0));
    let writing = true;
    const writer = (async () => {
      for (let n = 1; n <= 300; n++) await writeStackInfo(stackPath, info(n));
      writing = false;
    })();
    const unreadable: string[] = [];
    let reads = 0;
    while (writing) {
      const text = await readFile(stackPath, 'utf8');
      reads++;
      try {
        JSON.parse(text);
      } catch {
        unreadable.push(JSON.stringify(text.slice(0, 40)));
      }
    }
    await writer;
    assert.ok(reads > 0);
    assert.deepEqual(unreadable, [], `${unreadable.length} of ${reads} reads saw a cut file`);
  });
});
