import { SECRET_ENV_NAMES } from '../../common/redact';

// What a repository's own code may see. Commands, verification and the git processes we start run
// with this environment: none of our secrets, no AWS credentials or metadata endpoints, none of the
// worker's own settings.

const DROPPED_PREFIXES = ['AWS_', 'ECS_CONTAINER_METADATA', 'CODY_BATCH_', 'ANTHROPIC_', 'CLAUDE_', 'GIT_', 'npm_'];
const DROPPED_NAMES = new Set<string>([...SECRET_ENV_NAMES, 'JOB_ID', 'REPOSITORY_INDEX', 'NODE_OPTIONS']);
/** Anything named like a credential goes too, whoever set it. */
const SECRET_LIKE = /(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIAL)/i;

export function commandEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const safe: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    if (DROPPED_NAMES.has(upper) || SECRET_LIKE.test(name)) continue;
    if (DROPPED_PREFIXES.some((prefix) => upper.startsWith(prefix.toUpperCase()))) continue;
    safe[name] = value;
  }
  return safe;
}
