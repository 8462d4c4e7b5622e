import type * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

// search_files matches a regular expression the model wrote. A pattern such as `(a+)+$` can
// backtrack for minutes on one long line, and a regex cannot be interrupted from the thread that
// runs it, so the matching runs in a worker thread that is terminated at the time limit: the
// worker's event loop stays free for heartbeats and cancel.
//
// The thread's code is `searchFiles` below, passed as source text (`eval: true`), so it works the
// same from the TypeScript sources and from the one-file bundle dist/worker.js. That function must
// therefore be self-contained: it may use only its parameters and JavaScript built-ins.

export interface SearchJob {
  /** The checkout's real root. */
  root: string;
  /** Files to search, relative to the root with `/` separators. */
  files: string[];
  pattern: string;
  flags: string;
  maxMatches: number;
  maxMatchLineChars: number;
  /** Lines longer than this are only searched in their first part, which bounds regex work per line. */
  maxSearchedLineChars: number;
  /** Larger files are skipped and counted. */
  maxFileBytes: number;
  /** How much of a file's start is checked for NUL bytes, as git does. */
  binaryProbeBytes: number;
  /** Epoch ms after which the search stops between files and answers with what it found. */
  stopAt: number;
}

export interface SearchOutcome {
  /** `path:line:text`, at most maxMatches. */
  matches: string[];
  total: number;
  filesSearched: number;
  skippedLarge: number;
  stoppedEarly: boolean;
}

/** Runs in the search thread (exported for the benchmark's in-process baseline). Synchronous: the thread has nothing else to do. */
export function searchFiles(job: SearchJob, files: typeof fs): SearchOutcome {
  const regex = new RegExp(job.pattern, job.flags);
  const outcome: SearchOutcome = { matches: [], total: 0, filesSearched: 0, skippedLarge: 0, stoppedEarly: false };
  for (const file of job.files) {
    if (Date.now() > job.stopAt) {
      outcome.stoppedEarly = true;
      break;
    }
    let descriptor: number;
    try {
      // Never through a link: a tracked link to /etc/passwd must not be read.
      descriptor = files.openSync(`${job.root}/${file}`, files.constants.O_RDONLY | files.constants.O_NOFOLLOW);
    } catch {
      continue;
    }
    let buffer: Buffer;
    try {
      const stat = files.fstatSync(descriptor);
      if (!stat.isFile()) continue;
      if (stat.size > job.maxFileBytes) {
        outcome.skippedLarge++;
        continue;
      }
      buffer = files.readFileSync(descriptor);
    } catch {
      continue;
    } finally {
      files.closeSync(descriptor);
    }
    if (buffer.subarray(0, job.binaryProbeBytes).includes(0)) continue;
    outcome.filesSearched++;
    const lines = buffer.toString('utf8').split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = (lines[index] ?? '').replace(/\r$/, '');
      if (!regex.test(line.length > job.maxSearchedLineChars ? line.slice(0, job.maxSearchedLineChars) : line))
        continue;
      outcome.total++;
      if (outcome.matches.length < job.maxMatches) {
        const shown = line.length > job.maxMatchLineChars ? `${line.slice(0, job.maxMatchLineChars)}…` : line;
        outcome.matches.push(`${file}:${index + 1}:${shown}`);
      }
    }
  }
  return outcome;
}

const THREAD_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// tsx (the tests) wraps named functions in __name() to keep their names; a no-op here.
const __name = (target) => target;
parentPort.postMessage((${searchFiles.toString()})(workerData, require('node:fs')));
`;

/** The search's outcome, or undefined when it was still running at `timeLimitMs` and was terminated. */
export function searchInThread(job: SearchJob, timeLimitMs: number): Promise<SearchOutcome | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: job,
      // Files are read one at a time (2 MB at most); this only stops a runaway.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      void worker.terminate().finally(settle);
    };
    const timer = setTimeout(() => finish(() => resolve(undefined)), timeLimitMs);
    worker.once('message', (outcome: SearchOutcome) => finish(() => resolve(outcome)));
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the search thread exited with code ${code}`))));
  });
}
