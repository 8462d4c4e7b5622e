import { readDynamoCredentials } from '../../common/localHome';
import { startDynamo } from './dynamodb';

// dist/dynamo.js: the local stack's DynamoDB (dynalite behind its guard, backend/local/dynamoGuard.ts)
// in a process of its own, so it has a core to itself and the API's event loop does not wait on it.
// The stack starts it (backend/local/dynamoSupervisor.ts) with where to listen and where the
// stack's credentials file is, reads `{type: 'listening', port}` on the IPC channel, and stops it
// with SIGTERM. The secret itself never travels: this process reads the file.

async function main(): Promise<void> {
  const [dbPath, hostname, portText, credentialsFile] = process.argv.slice(2);
  if (!dbPath || !hostname || portText === undefined || !credentialsFile) {
    console.error('usage: dynamo.js <db folder> <hostname> <port> <credentials file>');
    process.exit(2);
  }
  const credentials = await readDynamoCredentials(credentialsFile);
  const dynamo = await startDynamo({ path: dbPath, hostname, port: Number(portText), credentials });
  const port = Number(new URL(dynamo.endpoint).port);
  process.send?.({ type: 'listening', port });
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'requests')
      void dynamo.requests().then((requests) => process.send?.({ type: 'requests', requests }));
  });
  const stop = () => void dynamo.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The stack is gone (its IPC channel closed): do not outlive it.
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(`cody-batch dynamo: ${(error as Error).message}`);
  process.send?.({ type: 'failed', code, message: (error as Error).message });
  process.exit(1);
});
