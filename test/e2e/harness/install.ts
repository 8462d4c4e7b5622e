import os from 'node:os';
import path from 'node:path';
import pins from '../harness.json';

// Where `test/e2e/setup` put the harness: a cache outside the checkout, shared by every clone.

export const CODE_SERVER_VERSION = pins.codeServer;
export const CHROMIUM = pins.chromium;

export function harnessCache(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'cody-batch', 'e2e');
}

export function codeServerBin(): string {
  return path.join(harnessCache(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}
