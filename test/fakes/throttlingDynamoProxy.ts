import { startDynamoProxy } from './dynamoProxy';

/**
 * A DynamoDB endpoint on 127.0.0.1 that forwards to a real one (dynalite), except that each
 * BatchWriteItem gets only its first `acceptPerCall` writes applied and the rest handed back as
 * UnprocessedItems, as DynamoDB does under throttling. Counts the BatchWriteItem calls it saw.
 */
export async function startThrottlingDynamoProxy(target: string, acceptPerCall: number) {
  let batchWriteCalls = 0;
  const proxy = await startDynamoProxy(target, {
    turn: (operation, request) => {
      if (operation !== 'BatchWriteItem') return undefined;
      batchWriteCalls++;
      const items = request.RequestItems as Record<string, unknown[]>;
      const unprocessed: Record<string, unknown[]> = {};
      for (const [table, writes] of Object.entries(items)) {
        if (writes.length > acceptPerCall) unprocessed[table] = writes.slice(acceptPerCall);
        items[table] = writes.slice(0, acceptPerCall);
      }
      return { request, answer: (result) => ({ ...result, UnprocessedItems: unprocessed }) };
    },
  });
  return { ...proxy, batchWriteCalls: () => batchWriteCalls };
}
