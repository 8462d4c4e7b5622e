import { DEFAULT_ALLOWED_HOSTS, type SandboxStatus } from '../../common/sandbox';

/**
 * What holds around commands on AWS Batch: the worker's container and its second user
 * (docs/operations.md). Its own module so the API Lambda can answer it without loading the Batch client.
 */
export function batchSandboxStatus(): SandboxStatus {
  return {
    mode: 'auto',
    state: 'container',
    message:
      "Commands run in the worker's container on AWS Batch as a second, unprivileged user: they cannot read the worker's " +
      'secrets or outlive their repository; what they can reach on the network is what the VPC allows.',
    defaultAllowedHosts: [...DEFAULT_ALLOWED_HOSTS],
  };
}
