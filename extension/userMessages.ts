import { awsRefusal } from '../common/awsRefusal';
import { ApiError } from '../common/client';
import { ApplyRefused } from '../common/git/applyPatch';

// Turns a failure into one plain sentence with a next step. The details go to the log. No vscode
// here, so the wording is tested.

export type NextStep = 'connectLocal' | 'connectAws' | 'refresh' | 'showLog';

export interface UserMessage {
  message: string;
  /** Buttons offered with the message, most useful first. */
  steps: NextStep[];
}

export interface ConnectionDescription {
  kind: 'token' | 'aws' | undefined;
  apiUrl: string | undefined;
  local: boolean;
}

export function userMessage(error: unknown, doing: string, connection: ConnectionDescription): UserMessage {
  if (error instanceof ApiError) {
    if (error.unreachable) {
      if (connection.local) {
        return {
          message: `Local stack not running (${connection.apiUrl ?? 'no address'}): run \`npm start\`, then Connect to Local Stack.`,
          steps: ['connectLocal', 'showLog'],
        };
      }
      return {
        message: `${doing} failed: ${error.message}. Check your network and the API URL (codyBatch.apiUrl).`,
        steps: ['refresh', 'showLog'],
      };
    }
    if (error.status === 401) {
      return connection.kind === 'aws'
        ? {
            message: `${doing} failed: AWS did not accept the credentials. Sign in to AWS (e.g. \`aws sso login\`), then Connect to AWS.`,
            steps: ['connectAws', 'showLog'],
          }
        : {
            message: `${doing} failed: the token was refused. Connect to Local Stack again to read the current token.`,
            steps: ['connectLocal', 'showLog'],
          };
    }
    if (error.status === 403)
      return { message: `${doing} failed: ${awsRefusalMessage(error.message)}`, steps: ['connectAws', 'showLog'] };
    if (error.status === 404)
      return {
        message: `${doing} failed: ${error.message}. It may belong to another account; refresh the Jobs view.`,
        steps: ['refresh'],
      };
    if (error.status === 409) return { message: `${doing}: ${error.message}.`, steps: ['refresh'] };
    if (error.status >= 400 && error.status < 500)
      return { message: `${doing} failed: ${error.message}`, steps: ['showLog'] };
    return {
      message: `${doing} failed: the server had a problem (${error.message}). Try again; the log has details.`,
      steps: ['showLog'],
    };
  }
  if (error instanceof ApplyRefused) return { message: error.message, steps: [] };
  if (error instanceof NotConnected)
    return {
      message: 'Not connected to Cody Batch: connect to the local stack or to AWS first.',
      steps: ['connectLocal', 'connectAws'],
    };
  const text = error instanceof Error ? error.message : String(error);
  return { message: `${doing} failed: ${firstLine(text)}`, steps: ['showLog'] };
}

export class NotConnected extends Error {
  constructor() {
    super('Not connected');
    this.name = 'NotConnected';
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim()) ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** API Gateway's 403, as what to change in the settings (the CLI says it with flags). */
export function awsRefusalMessage(message: string): string {
  switch (awsRefusal(message)) {
    case 'signature':
      return (
        'AWS refused the request signature: the secret key of codyBatch.awsProfile does not ' +
        "match its key id, or this machine's clock is off. Refresh the credentials, then Connect to AWS."
      );
    case 'expired':
      return 'AWS refused the credentials as unknown or expired: sign in again (e.g. `aws sso login`), then Connect to AWS.';
    case 'region':
      return "AWS refused the request: it was signed for another region than the API's. Set codyBatch.awsRegion to the region in the API URL.";
    case 'not-allowed':
      return (
        'AWS refused the request: your identity may not call this API (execute-api:Invoke). Ask ' +
        'an administrator to grant it (operations guide, "Give people access"), or pick another ' +
        'codyBatch.awsProfile.'
      );
  }
}
