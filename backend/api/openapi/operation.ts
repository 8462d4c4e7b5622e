import { type Handler, Hono } from 'hono';
import type { z } from 'zod';
import type { ApiErrorCode } from '../../../common/errors';
import type { AppEnv } from '../context';

// Each route declares its OpenAPI operation where its handler is registered: `routes.on(operation,
// handler)` serves the handler and records the operation, and the document (./document.ts) is
// written from what was recorded. Routes come in groups (a file of ./routes/ each) that say once
// where they are mounted and which tag their operations carry. A route registered on Hono directly is served but undocumented,
// which test/openapi.test.ts reports.

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A schema with the name it has in `components.schemas`. */
export interface NamedSchema {
  name: string;
  schema: z.ZodType;
}

export interface Parameter {
  description: string;
  schema: z.ZodType;
}

export interface Answer {
  description: string;
  /** A JSON body. */
  json?: NamedSchema;
  /** A body of another media type, with its schema (a string for text). */
  content?: Record<string, z.ZodType>;
  headers?: Record<string, Parameter>;
}

/**
 * The answers of a route that runs a bulk operation for a moment (backend/api/operations.ts): 200
 * when it is done within it, 202 with its `operation` while it goes on; the same body either way.
 */
export function momentAnswers(json: NamedSchema, done: string, goingOn: string): Record<number, Answer> {
  return { 200: { description: done, json }, 202: { description: goingOn, json } };
}

export interface Operation {
  /** Reads as a client method: `createJob`, `getDiff`. */
  operationId: string;
  method: HttpMethod;
  /** The whole path as OpenAPI writes it: `/jobs/{jobId}/cancel`. */
  path: string;
  summary: string;
  description?: string;
  tag: 'jobs' | 'repositories' | 'service';
  /** False for the routes that answer without credentials (`/health`, `/openapi.json`). */
  auth?: boolean;
  /** Path parameters, each named in `path`. */
  params?: Record<string, Parameter>;
  query?: z.ZodObject;
  body?: NamedSchema & {
    /** An empty body counts as `{}`. */
    optional?: boolean;
    /** A body the route accepts, for the document's readers (checked against the schema). */
    example?: unknown;
  };
  /** The answers other than errors, by status. */
  responses: Record<number, Answer>;
  /**
   * The error codes of this route's own logic. Those every route of its kind can give (401 for
   * auth, 400/413/415 for a body or a query, 500 and 503) are added by the document.
   */
  errors?: ApiErrorCode[];
}

const recorded = new WeakMap<Hono<AppEnv>, Operation[]>();

/** The operations registered on `app`, including those of the apps mounted on it with `mount`. */
export function operationsOf(app: Hono<AppEnv>): Operation[] {
  let list = recorded.get(app);
  if (!list) {
    list = [];
    recorded.set(app, list);
  }
  return list;
}

/** What a route declares: its operation, less the tag its group gives every route. */
export type RouteOperation = Omit<Operation, 'tag'>;

/**
 * A group of documented routes: one Hono app, mounted at `prefix` (`''` for the root), whose
 * operations all carry `tag`. `on(operation, handler)` serves the handler and records the operation.
 */
export class DocumentedRoutes {
  readonly app = new Hono<AppEnv>();

  constructor(
    readonly prefix: string,
    readonly tag: Operation['tag'],
  ) {}

  on(operation: RouteOperation, handler: Handler<AppEnv>): void {
    const { prefix } = this;
    if (!operation.path.startsWith(`${prefix}/`) && operation.path !== prefix)
      throw new Error(`${operation.operationId}: ${operation.path} is not under ${prefix}`);
    const relative = operation.path.slice(prefix.length).replace(/\{(\w+)\}/g, ':$1') || '/';
    this.app.on(operation.method.toUpperCase(), relative, handler);
    operationsOf(this.app).push({ ...operation, tag: this.tag });
  }
}

/** Serves `routes` under `parent` at the group's prefix, keeping their operations. */
export function mount(parent: Hono<AppEnv>, routes: DocumentedRoutes): void {
  parent.route(routes.prefix, routes.app);
  operationsOf(parent).push(...operationsOf(routes.app));
}
