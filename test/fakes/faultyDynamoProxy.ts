import { type DynamoFault, startDynamoProxy } from './dynamoProxy';

export type { DynamoFault } from './dynamoProxy';

/** Decides, for one request (`PutItem`, `BatchWriteItem`, ...), whether it fails instead of reaching the database. */
export type FaultRule = (operation: string, request: Record<string, unknown>) => DynamoFault | undefined;

/**
 * A DynamoDB endpoint on 127.0.0.1 that forwards to a real one (dynalite), except the requests
 * `rule` picks, which it answers with the DynamoDB error it gives, as DynamoDB would.
 */
export async function startFaultyDynamoProxy(target: string, rule: FaultRule) {
  const faults: string[] = [];
  const proxy = await startDynamoProxy(target, {
    turn: (operation, request) => {
      const fault = rule(operation, request);
      if (!fault) return undefined;
      faults.push(operation);
      return { fault };
    },
  });
  return {
    ...proxy,
    /** The operations it failed, in order. */
    faults: () => [...faults],
  };
}
