import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { Hono } from 'hono';
import type { AppEnv } from '../../backend/api/context';
import type { OpenApiDocument, OperationObject } from '../../backend/api/openapi/document';

// Checks an answer of the API against the OpenAPI document: the route is in it, the status is one
// the operation documents, and the body and headers are what that answer documents.

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

export interface Matched {
  path: string;
  method: string;
  operation: OperationObject;
}

export class DocumentChecker {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { path: string; pattern: RegExp }[];
  /** The operations an answer was checked of. */
  private readonly checked = new Set<string>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv.addKeyword('x-amazon-apigateway-authtype');
    for (const [name, schema] of Object.entries(document.components.schemas))
      this.ajv.addSchema(withLocalRefs(schema), `urn:components:${name}`);
    this.templates = Object.keys(document.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
    }));
  }

  /** The operation that answers `method` on `url` (a path, or a URL whose path is taken). */
  match(method: string, url: string): Matched | undefined {
    const path = new URL(url, 'http://x').pathname;
    for (const template of this.templates) {
      if (!template.pattern.test(path)) continue;
      const operation = this.document.paths[template.path]![method.toLowerCase()];
      if (operation) return { path: template.path, method: method.toLowerCase(), operation };
    }
    return undefined;
  }

  /** What is wrong with this answer to `method url`; empty when it is as the document says. */
  problems(method: string, url: string, answer: Answer): string[] {
    const where = `${method} ${url} → ${answer.status}`;
    const matched = this.match(method, url);
    if (!matched) return this.outsideOperations(method, url, answer);
    this.checked.add(matched.operation.operationId);
    const documented = matched.operation.responses[String(answer.status)] as
      | (OperationObject['responses'][string] & { headers?: Record<string, unknown> })
      | undefined;
    if (!documented)
      return [
        `${where}: ${matched.operation.operationId} does not document ${answer.status}: ${answer.body.slice(0, 300)}`,
      ];
    const problems: string[] = [];
    // A header documented as not required (one only some answers carry) may be absent.
    for (const [header, spec] of Object.entries(documented.headers ?? {}))
      if ((spec as { required?: boolean }).required !== false && !answer.headers.has(header))
        problems.push(`${where}: the ${header} header is missing`);
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) {
      if (answer.body !== '') problems.push(`${where}: documented without a body, but has one`);
      return problems;
    }
    const type = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = content[type];
    if (!media)
      return [...problems, `${where}: content type "${type}" is not one of ${Object.keys(content).join(', ')}`];
    if (type !== 'application/json') {
      if (media.schema.type !== 'string') problems.push(`${where}: ${type} is documented as not text`);
      return problems;
    }
    let value: unknown;
    try {
      value = JSON.parse(answer.body);
    } catch {
      return [...problems, `${where}: the body is not JSON: ${answer.body.slice(0, 200)}`];
    }
    const validate = this.validator(`${matched.operation.operationId} ${answer.status}`, media.schema);
    return [...problems, ...this.bodyProblems(where, validate, value, answer.body)];
  }

  /**
   * An answer to a request no operation takes: a path the document does not have is
   * `components.responses.NoRoute`, a documented path asked with another method `MethodNotAllowed`,
   * either without credentials may be `Unauthorized`.
   */
  private outsideOperations(method: string, url: string, answer: Answer): string[] {
    const where = `${method} ${url} → ${answer.status}`;
    const path = new URL(url, 'http://x').pathname;
    const known = this.templates.some((template) => template.pattern.test(path));
    const expected = known ? 405 : 404;
    // Credentials are checked before the route is looked for.
    const name = answer.status === 401 ? 'Unauthorized' : known ? 'MethodNotAllowed' : 'NoRoute';
    if (answer.status !== expected && answer.status !== 401)
      return [`${where}: no operation answers ${method} ${path}, so the answer must be ${expected} or 401`];
    let value: unknown;
    try {
      value = JSON.parse(answer.body);
    } catch {
      return [`${where}: the body is not JSON: ${answer.body.slice(0, 200)}`];
    }
    const schema = this.document.components.responses[name]!.content!['application/json']!.schema;
    return this.bodyProblems(where, this.validator(name, schema), value, answer.body);
  }

  private bodyProblems(where: string, validate: ValidateFunction, value: unknown, body: string): string[] {
    const problems: string[] = [];
    if (!validate(value))
      problems.push(
        `${where}: the body does not match the document: ${this.ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`,
      );
    return problems;
  }

  /** Reads a fetch answer (leaving it readable) and throws when it is not as the document says. */
  async check(method: string, url: string, response: Response): Promise<void> {
    const body = await response.clone().text();
    const problems = this.problems(method, url, { status: response.status, headers: response.headers, body });
    if (problems.length) throw new Error(problems.join('\n'));
  }

  /** The operations of the document no answer has been checked of yet. */
  unchecked(): string[] {
    return Object.values(this.document.paths)
      .flatMap((item) => Object.values(item).map((operation) => operation.operationId))
      .filter((id) => !this.checked.has(id));
  }

  /** Compiles every schema of the document (ajv's strict mode is itself a check of them). */
  compileAll(): void {
    for (const [path, item] of Object.entries(this.document.paths))
      for (const operation of Object.values(item))
        for (const [status, answer] of Object.entries(operation.responses))
          for (const [type, media] of Object.entries(answer.content ?? {}))
            this.validator(`${path} ${operation.operationId} ${status} ${type}`, media.schema);
  }

  private validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(withLocalRefs(schema));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** `#/components/schemas/X` as the id each component is added under. */
function withLocalRefs(schema: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/(\w+)"/g, '"urn:components:$1"'));
}

/** The routes `app` serves (in Hono's form, `GET /jobs/:jobId`) that the document does not have. */
export function undocumentedRoutes(app: Hono<AppEnv>, document: OpenApiDocument): string[] {
  const documented = new Set(
    Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
    ),
  );
  return app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => `${route.method} ${route.path}`)
    .filter((route) => !documented.has(route));
}
