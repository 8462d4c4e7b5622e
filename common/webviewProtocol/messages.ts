import * as z from 'zod';

// The message protocol between the extension and its webviews. A webview sends requests
// (`{kind: 'request', id, method, params}`) and the extension answers each with a reply carrying the
// same id; the extension may also push events. Every view declares its methods and events with zod
// schemas, and both ends validate what they receive: a webview is untrusted content, and the
// extension host is not to be trusted blindly by the page either.

export const RequestMessage = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

export const ReplyMessage = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('reply'), id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('reply'), id: z.number().int().nonnegative(), ok: z.literal(false), error: z.string() }),
]);
export type ReplyMessage = z.infer<typeof ReplyMessage>;

export const EventMessage = z.object({
  kind: z.literal('event'),
  name: z.string().min(1).max(100),
  payload: z.unknown(),
});
export type EventMessage = z.infer<typeof EventMessage>;

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
}

/** The request every page makes first, without parameters: what it shows (`result`). */
export function loadRequest<R extends z.ZodType>(result: R) {
  return { params: z.object({}), result };
}

export interface ProtocolSpec {
  requests: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
}

export type Params<S extends ProtocolSpec, M extends keyof S['requests']> = z.input<S['requests'][M]['params']>;
export type Result<S extends ProtocolSpec, M extends keyof S['requests']> = z.infer<S['requests'][M]['result']>;
export type Payload<S extends ProtocolSpec, E extends keyof S['events']> = z.infer<S['events'][E]>;

export type Handlers<S extends ProtocolSpec> = {
  [M in keyof S['requests']]: (params: z.infer<S['requests'][M]['params']>) => Promise<Result<S, M>> | Result<S, M>;
};

/** An error whose message may be shown to the user as it is. */
export class ProtocolError extends Error {}

/**
 * The extension's end: checks a message from the page and runs its handler. Anything that is not
 * a well-formed request for a declared method gets an error reply (or is ignored, when it has no id).
 */
export async function answerRequest<S extends ProtocolSpec>(
  spec: S,
  handlers: Handlers<S>,
  message: unknown,
  onError: (error: unknown, method: string) => string = defaultErrorText,
): Promise<ReplyMessage | undefined> {
  const request = RequestMessage.safeParse(message);
  if (!request.success) return undefined;
  const { id, method } = request.data;
  const methodSpec = Object.hasOwn(spec.requests, method) ? spec.requests[method] : undefined;
  if (!methodSpec) return { kind: 'reply', id, ok: false, error: `Unknown request "${method}"` };
  const params = methodSpec.params.safeParse(request.data.params ?? {});
  if (!params.success)
    return { kind: 'reply', id, ok: false, error: `Bad "${method}" request: ${params.error.issues[0]?.message ?? ''}` };
  try {
    const handler = handlers[method as keyof S['requests']];
    const result = await handler(params.data as never);
    return { kind: 'reply', id, ok: true, result };
  } catch (error) {
    return { kind: 'reply', id, ok: false, error: onError(error, method) };
  }
}

function defaultErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function eventMessage<S extends ProtocolSpec, E extends keyof S['events'] & string>(
  _spec: S,
  name: E,
  payload: Payload<S, E>,
): EventMessage {
  return { kind: 'event', name, payload };
}

/**
 * The page's end: sends typed requests and checks every reply and event against the schemas.
 * `post` and `listen` are the webview API (`acquireVsCodeApi().postMessage`, `window.onmessage`).
 */
export class ProtocolClient<S extends ProtocolSpec> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { method: string; resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, ((payload: unknown) => void)[]>();

  constructor(
    private readonly spec: S,
    private readonly post: (message: RequestMessage) => void,
  ) {}

  request<M extends keyof S['requests'] & string>(method: M, params: Params<S, M>): Promise<Result<S, M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      this.post({ kind: 'request', id, method, params });
    });
  }

  on<E extends keyof S['events'] & string>(name: E, listener: (payload: Payload<S, E>) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as (payload: unknown) => void);
    this.listeners.set(name, list);
  }

  /** Feed every message the page receives through here. */
  receive(message: unknown): void {
    const reply = ReplyMessage.safeParse(message);
    if (reply.success) {
      const waiting = this.pending.get(reply.data.id);
      if (!waiting) return;
      this.pending.delete(reply.data.id);
      if (!reply.data.ok) {
        waiting.reject(new Error(reply.data.error));
        return;
      }
      const result = this.spec.requests[waiting.method]!.result.safeParse(reply.data.result);
      if (result.success) waiting.resolve(result.data);
      else waiting.reject(new Error(`The extension's answer to "${waiting.method}" has an unexpected shape`));
      return;
    }
    const event = EventMessage.safeParse(message);
    if (!event.success || !Object.hasOwn(this.spec.events, event.data.name)) return;
    const payload = this.spec.events[event.data.name]!.safeParse(event.data.payload);
    if (!payload.success) return;
    for (const listener of this.listeners.get(event.data.name) ?? []) listener(payload.data);
  }
}
