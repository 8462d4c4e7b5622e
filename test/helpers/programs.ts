import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A new temporary folder of shell scripts that stand in for programs (a `which` that is slow, a
 * bubblewrap the test can break): put the folder first on PATH, or name a script by its path.
 * Synchronous, for a `describe` body.
 */
export function programsFolder(prefix: string, scripts: Record<string, string>): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), `cody-batch-${prefix}-`));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(path.join(folder, name), `#!/bin/sh\n${body}`);
    chmodSync(path.join(folder, name), 0o755);
  }
  return folder;
}
