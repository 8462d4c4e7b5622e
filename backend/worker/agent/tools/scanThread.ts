import type * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { openBeneath } from './beneath';

// list_files, search_files and the editor's folder view go through the checkout's files in a
// worker thread that is terminated at a time limit. What they match was written by the model: a
// regular expression such as `(a+)+$` can backtrack for minutes on one long line, a glob such as
// `*a*a*a*a*a*a*b` on one long name, and neither can be interrupted from the thread that runs it.
// In a thread, the worker's event loop stays free for heartbeats and cancel.
//
// Files are opened as search opens them everywhere: one name in a folder held open (beneath.ts),
// never through a link, and without waiting, so a FIFO among the files is skipped, not waited on.
//
// The thread's code is `scanFiles` below, with `openBeneath`, passed as source text (`eval: true`),
// so it works the same from the TypeScript sources and from the one-file bundle dist/worker.js.
// Both must therefore be self-contained: they may use only their parameters and JavaScript built-ins.

/** A glob compiled by minimatch (in listing.ts), matched against paths relative to `base`. */
export interface GlobMatcher {
  source: string;
  flags: string;
  /** Match the file's name alone (a glob without `/`). */
  matchBase: boolean;
  /** The folder the glob is relative to (`.` for the root). */
  base: string;
}

export interface SearchSpec {
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
}

export interface ScanJob {
  /** The checkout's real root. */
  root: string;
  /** Whether /proc/self/fd stands in for openat() (beneath.ts). */
  viaProc: boolean;
  /** The folder to walk when there are no candidates, relative to the root (`.` for the root). */
  folder: string;
  /** The files git lists (relative to the root, `/` separators); undefined outside a git work tree. */
  candidates?: string[];
  glob?: GlobMatcher;
  /** Search the files listed; without it, answer the list. */
  search?: SearchSpec;
  /**
   * How long after the thread starts scanning it stops between files and answers with what it
   * found. Counted from there, not from the call: a busy process's wait before the thread runs
   * would otherwise spend it.
   */
  softLimitMs: number;
}

export interface SearchFindings {
  /** `path:line:text`, at most maxMatches. */
  matches: string[];
  total: number;
  filesSearched: number;
  skippedLarge: number;
}

export interface ScanOutcome {
  /** The files listed (regular files and symbolic links), sorted; empty when searching. */
  files: string[];
  /** How many files were listed. */
  listed: number;
  search?: SearchFindings;
  stoppedEarly: boolean;
}

/** Runs in the thread (exported for the benchmark's in-process baseline). Synchronous: the thread has nothing else to do. */
export function scanFiles(job: ScanJob, files: typeof fs, open: typeof openBeneath): ScanOutcome {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = files.constants;
  const beneath = open(files, job.root, job.viaProc);
  const outcome: ScanOutcome = { files: [], listed: 0, stoppedEarly: false };
  const stopAt = Date.now() + job.softLimitMs;
  const overTime = () => {
    if (Date.now() > stopAt) outcome.stoppedEarly = true;
    return outcome.stoppedEarly;
  };
  const glob = job.glob ? new RegExp(job.glob.source, job.glob.flags) : undefined;
  const globMatches = (file: string): boolean => {
    if (!glob || !job.glob) return true;
    const { base, matchBase } = job.glob;
    const relative = base === '.' ? file : file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
    return glob.test(matchBase ? relative.slice(relative.lastIndexOf('/') + 1) : relative);
  };
  const folderOf = (parts: string[]) => {
    try {
      return beneath.folderOf(parts);
    } catch {
      // A link, a file or nothing where a folder was listed: not a file of the checkout.
      return undefined;
    }
  };
  const lstat = (target: string) => {
    try {
      return files.lstatSync(target);
    } catch {
      return undefined;
    }
  };

  try {
    const listed: string[] = [];
    if (job.candidates) {
      // Deleted but still tracked files are listed by git too; only what is on disk counts, and only
      // through real folders: a tracked file under a folder since replaced by a link is not the file.
      for (const file of [...new Set(job.candidates)].sort()) {
        if (overTime()) break;
        const parts = file.split('/');
        if (parts.some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git'))
          continue;
        if (!globMatches(file)) continue;
        const folder = folderOf(parts.slice(0, -1));
        const stat = folder && lstat(beneath.at(folder, parts.at(-1)!));
        if (stat && (stat.isFile() || stat.isSymbolicLink())) listed.push(file);
      }
    } else {
      // Not a git work tree: every file, but not what is in `.git` or `node_modules`.
      const visit = (folder: ReturnType<typeof beneath.openFolder>, relative: string): void => {
        let entries: fs.Dirent[];
        try {
          entries = files.readdirSync(folder.path, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          if (overTime()) return;
          const child = relative === '.' ? entry.name : `${relative}/${entry.name}`;
          if (entry.isDirectory()) {
            const name = entry.name.toLowerCase();
            if (name === '.git' || name === 'node_modules') continue;
            let inner: typeof folder;
            try {
              inner = beneath.openFolder(folder, entry.name);
            } catch {
              continue;
            }
            visit(inner, child);
            beneath.closeFolder(inner);
          } else if ((entry.isFile() || entry.isSymbolicLink()) && globMatches(child)) {
            listed.push(child);
          }
        }
      };
      const start = job.folder === '.' ? beneath.root : folderOf(job.folder.split('/'));
      if (start) visit(start, job.folder);
      listed.sort();
    }
    outcome.listed = listed.length;
    if (!job.search) {
      outcome.files = listed;
      return outcome;
    }

    const spec = job.search;
    const regex = new RegExp(spec.pattern, spec.flags);
    const findings: SearchFindings = { matches: [], total: 0, filesSearched: 0, skippedLarge: 0 };
    outcome.search = findings;
    for (const file of listed) {
      if (overTime()) break;
      const parts = file.split('/');
      const folder = folderOf(parts.slice(0, -1));
      if (!folder) continue;
      let descriptor: number;
      try {
        // Never through a link (a tracked link to /etc/passwd must not be read), and never waiting.
        descriptor = files.openSync(beneath.at(folder, parts.at(-1)!), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch {
        continue;
      }
      let buffer: Buffer;
      try {
        const stat = files.fstatSync(descriptor);
        if (!stat.isFile()) continue;
        if (stat.size > spec.maxFileBytes) {
          findings.skippedLarge++;
          continue;
        }
        buffer = files.readFileSync(descriptor);
      } catch {
        continue;
      } finally {
        files.closeSync(descriptor);
      }
      if (buffer.subarray(0, spec.binaryProbeBytes).includes(0)) continue;
      findings.filesSearched++;
      const lines = buffer.toString('utf8').split('\n');
      for (let index = 0; index < lines.length; index++) {
        const line = (lines[index] ?? '').replace(/\r$/, '');
        if (!regex.test(line.length > spec.maxSearchedLineChars ? line.slice(0, spec.maxSearchedLineChars) : line))
          continue;
        findings.total++;
        if (findings.matches.length < spec.maxMatches) {
          const shown = line.length > spec.maxMatchLineChars ? `${line.slice(0, spec.maxMatchLineChars)}…` : line;
          findings.matches.push(`${file}:${index + 1}:${shown}`);
        }
      }
    }
    return outcome;
  } finally {
    beneath.close();
  }
}

const THREAD_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// tsx (the tests) wraps named functions in __name() to keep their names; a no-op here.
const __name = (target) => target;
const openBeneath = (${openBeneath.toString()});
parentPort.postMessage((${scanFiles.toString()})(workerData, require('node:fs'), openBeneath));
`;

/** How long a thread may take to stop once told to; one stuck in a system call never does. */
const TERMINATE_GRACE_MS = 1000;

/** The scan's outcome, or undefined when it was still running at `timeLimitMs` and was stopped. */
export function scanInThread(job: ScanJob, timeLimitMs: number): Promise<ScanOutcome | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: job,
      // Files are read one at a time (2 MB at most); this only stops a runaway.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    let finished = false;
    const finish = (settle: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      // Never wait on the thread past its limit: if it does not stop, it is left behind, and does
      // not keep the event loop alive.
      worker.unref();
      const grace = setTimeout(settle, TERMINATE_GRACE_MS);
      void worker
        .terminate()
        .catch(() => undefined)
        .then(() => {
          clearTimeout(grace);
          settle();
        });
    };
    // The limit runs from the thread's start, not its creation: a loaded machine may take a while
    // to start a thread, and that is not the pattern's time. Starting cannot run the pattern.
    let timer: NodeJS.Timeout | undefined;
    worker.once('online', () => {
      if (!finished) timer = setTimeout(() => finish(() => resolve(undefined)), timeLimitMs);
    });
    worker.once('message', (outcome: ScanOutcome) => finish(() => resolve(outcome)));
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the scan thread exited with code ${code}`))));
  });
}
