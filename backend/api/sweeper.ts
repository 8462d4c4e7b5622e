// Placeholder for the sweeper Lambda entry (dist/lambda/sweeper.js), so the infra branch builds the
// handler its stack deploys. The worker branch brings the real entry at this path; take that one at merge.

export async function handler(): Promise<never> {
  throw new Error('cody-batch sweeper: this build has no sweeper (placeholder from the infra branch)');
}
