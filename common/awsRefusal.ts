// API Gateway's IAM auth answers every refusal with 403; only its message tells them apart. The
// CLI and the extension phrase the next step their own way (flags vs settings), from this one reading.

export type AwsRefusal =
  /** The key id is known but the signature is not: wrong secret, or this machine's clock is off. */
  | 'signature'
  /** A session token AWS does not know or that expired (an old SSO login). */
  | 'expired'
  /** Signed for another region than the API's. */
  | 'region'
  /** A valid caller without execute-api:Invoke on this API. */
  | 'not-allowed';

export function awsRefusal(message: string): AwsRefusal {
  if (/signature we calculated does not match/i.test(message)) return 'signature';
  if (/security token .* (is invalid|has expired|is expired)|expired token/i.test(message)) return 'expired';
  if (/Credential should be scoped to a valid region/i.test(message)) return 'region';
  return 'not-allowed';
}
