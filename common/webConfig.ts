import * as z from 'zod';

// What the web app reads from `config.json` beside its index.html: where the API is and how a
// person signs in. The local stack serves `{"auth": "token"}` (the API on the page's own origin,
// the stack's bearer token); the CDK stack deploys the Cognito form. Browser-safe.

export const WEB_CONFIG_FILE = 'config.json';

export const WebConfig = z.discriminatedUnion('auth', [
  z.object({
    auth: z.literal('token'),
    /** Absent: the page's own origin (the local stack serves both). */
    apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
  z.object({
    auth: z.literal('cognito'),
    apiUrl: z.url({ protocol: /^https$/ }),
    /** The user pool's hosted sign-in, `https://{prefix}.auth.{region}.amazoncognito.com`. */
    signInUrl: z.url({ protocol: /^https$/ }),
    clientId: z.string().min(1).max(128),
  }),
]);
export type WebConfig = z.infer<typeof WebConfig>;
