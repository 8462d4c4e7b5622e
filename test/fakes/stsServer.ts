import http from 'node:http';
import type { AddressInfo } from 'node:net';

// AWS STS's AssumeRole on 127.0.0.1, as the SDK's STS client speaks it (a form-encoded Query POST,
// an XML answer): it hands out one set of temporary credentials and records each request, its
// parameters and the key id it was signed with. It checks no signature and no policy: what a role
// may do is IAM's, which the CDK template tests check; this proves what the worker asks for.

export interface AssumeRoleRequest {
  /** The access key id of the SigV4 Authorization header: who asked. */
  signedBy?: string;
  params: Record<string, string>;
}

export interface FakeSts {
  /** For AWS_ENDPOINT_URL_STS. */
  url: string;
  requests: AssumeRoleRequest[];
  close(): Promise<void>;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** AssumeRole's XML answer handing out `issued`, for the role and session `params` name. */
export function assumeRoleAnswer(issued: IssuedCredentials, params: Record<string, string>): string {
  const expiration = new Date(Date.now() + Number(params.DurationSeconds ?? 3600) * 1000).toISOString();
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey><SessionToken>${issued.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:${params.RoleSessionName}</AssumedRoleId><Arn>${params.RoleArn}/${params.RoleSessionName}</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

export async function startFakeSts(issued: IssuedCredentials): Promise<FakeSts> {
  const requests: AssumeRoleRequest[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signedBy = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
      requests.push({ signedBy, params });
      if (params.Action !== 'AssumeRole') {
        response.writeHead(400, { 'content-type': 'text/xml' });
        response.end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(assumeRoleAnswer(issued, params));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
