import type { Redactor } from '../../common/redact';
import { type CodeHost, codeHostFrom } from '../hosts';
import type { WorkerConfig } from './config';
import type { RunLog } from './runLog';

/**
 * One repository's code host, as the worker's settings say: the redactor learns each credential it
 * makes at run time (a GitHub App's installation tokens), and the log says each rate-limit wait it
 * sits out (GitLab's `Retry-After`), so a pause of a minute reads as one.
 */
export function workerHost(config: WorkerConfig, redactor: Redactor, log: RunLog): CodeHost {
  return codeHostFrom({
    ...config.codeHost,
    onSecret: (secret) => redactor.add(secret),
    onRateLimitWait: (seconds, what) => log.step(`Waiting ${seconds} s: the code host's rate limit (${what})`),
  });
}
