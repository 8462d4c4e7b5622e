import { randomBytes } from 'node:crypto';

// Job ids sort by creation time and are safe in branch names, URLs and S3 keys: 10 characters of
// millisecond timestamp and 16 random ones, in lowercase Crockford base32.

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newJobId(now = Date.now()): string {
  let time = '';
  let remaining = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += ALPHABET[byte % 32];
  return time + random;
}

export const JOB_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;

export function isJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value);
}
