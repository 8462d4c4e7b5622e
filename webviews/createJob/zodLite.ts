import * as core from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import * as mini from 'zod/mini';

// What the Create Job form's bundle has in place of zod (esbuild.mjs aliases `zod` to this file for
// it alone): the part of zod's classic API that common/ uses, as methods over zod/mini. Both build
// the same zod/v4/core schemas and checks (a `.max(3)` here is classic's `checks.maxLength(3)`), so
// a value is accepted or refused the same, with the same messages (zodLite.test.ts holds that for
// the form's schemas); what is left out is the rest of classic's methods, which every classic
// schema refers to and so brings into a bundle (string formats, codecs and the like: 31 KB of the
// form's 81 KB of zod). Types still come from zod itself: TypeScript reads `zod`, not this file.
// A method common/ starts using that is not here fails the form's bundle at load, loudly (the
// bundle's tests load it).

// zod/mini has no default locale: classic sets English on its first schema.
mini.config(en());

export const config = mini.config;

// biome-ignore lint/suspicious/noExplicitAny: the methods are classic's, typed by zod's own declarations
type Any = any;

/** Gives a zod/mini schema the classic methods common/ calls, each answering with one that has them too. */
function fluent<T extends core.$ZodType>(schema: T): T {
  const s = schema as Any;
  if (s.__lite) return schema;
  const def = s._zod.def as Any;
  const check = (...checks: Any[]) => fluent(s.check(...checks));
  const withCatchall = (catchall: Any) => fluent(s.clone(core.util.mergeDefs(def, { catchall })));
  Object.assign(s, {
    __lite: true,
    optional: () => fluent(mini.optional(s)),
    nullable: () => fluent(mini.nullable(s)),
    nullish: () => fluent(mini.optional(mini.nullable(s))),
    array: () => fluent(mini.array(s)),
    or: (other: Any) => fluent(mini.union([s, other])),
    transform: (fn: Any) => fluent(mini.pipe(s, mini.transform(fn))),
    pipe: (target: Any) => fluent(mini.pipe(s, target)),
    default: (value: Any) => fluent(mini._default(s, value)),
    catch: (value: Any) => fluent(mini.catch(s, value)),
    refine: (fn: Any, params?: Any) => check(mini.refine(fn, params)),
    superRefine: (fn: Any, params?: Any) => check(mini.superRefine(fn, params)),
    describe: () => s,
    meta: () => s,
  });
  switch (def.type) {
    case 'string':
      Object.assign(s, {
        max: (n: number, params?: Any) => check(mini.maxLength(n, params)),
        min: (n: number, params?: Any) => check(mini.minLength(n, params)),
        length: (n: number, params?: Any) => check(mini.length(n, params)),
        nonempty: (params?: Any) => check(mini.minLength(1, params)),
        regex: (pattern: RegExp, params?: Any) => check(mini.regex(pattern, params)),
        includes: (text: string, params?: Any) => check(mini.includes(text, params)),
        startsWith: (text: string, params?: Any) => check(mini.startsWith(text, params)),
        endsWith: (text: string, params?: Any) => check(mini.endsWith(text, params)),
        trim: () => check(mini.trim()),
        toLowerCase: () => check(mini.toLowerCase()),
        toUpperCase: () => check(mini.toUpperCase()),
      });
      break;
    case 'number':
      Object.assign(s, {
        int: (params?: Any) => check(mini.int(params)),
        min: (n: number, params?: Any) => check(mini.gte(n, params)),
        gte: (n: number, params?: Any) => check(mini.gte(n, params)),
        max: (n: number, params?: Any) => check(mini.lte(n, params)),
        lte: (n: number, params?: Any) => check(mini.lte(n, params)),
        gt: (n: number, params?: Any) => check(mini.gt(n, params)),
        lt: (n: number, params?: Any) => check(mini.lt(n, params)),
        positive: (params?: Any) => check(mini.gt(0, params)),
        nonnegative: (params?: Any) => check(mini.gte(0, params)),
        negative: (params?: Any) => check(mini.lt(0, params)),
        nonpositive: (params?: Any) => check(mini.lte(0, params)),
      });
      break;
    case 'array':
      Object.assign(s, {
        element: def.element,
        max: (n: number, params?: Any) => check(mini.maxLength(n, params)),
        min: (n: number, params?: Any) => check(mini.minLength(n, params)),
        length: (n: number, params?: Any) => check(mini.length(n, params)),
        nonempty: (params?: Any) => check(mini.minLength(1, params)),
      });
      break;
    case 'object':
      Object.assign(s, {
        extend: (shape: Any) => fluent(mini.extend(s, shape)),
        safeExtend: (shape: Any) => fluent(mini.safeExtend(s, shape)),
        partial: (mask?: Any) => fluent(mini.partial(s, mask)),
        required: (mask?: Any) => fluent(mini.required(s, mask)),
        pick: (mask: Any) => fluent(mini.pick(s, mask)),
        omit: (mask: Any) => fluent(mini.omit(s, mask)),
        merge: (other: Any) => fluent(core.util.merge(s, other)),
        keyof: () => fluent(mini.keyof(s)),
        catchall: (catchall: Any) => withCatchall(catchall),
        passthrough: () => withCatchall(mini.unknown()),
        loose: () => withCatchall(mini.unknown()),
        strict: () => withCatchall(mini.never()),
        strip: () => withCatchall(undefined),
      });
      break;
    case 'enum':
      Object.assign(s, {
        enum: def.entries,
        // As classic's: a value not among the entries is a mistake in the code, not in the input.
        extract: (values: string[], params?: Any) =>
          fluent(
            enumOf(
              values.map((value) => entryOf(def.entries, value)),
              params,
            ),
          ),
        exclude: (values: string[], params?: Any) => {
          for (const value of values) entryOf(def.entries, value);
          return fluent(
            enumOf(
              (s.options as string[]).filter((value) => !values.includes(value)),
              params,
            ),
          );
        },
      });
      break;
  }
  return schema;
}

function entryOf(entries: Record<string, string>, value: string): string {
  if (!Object.hasOwn(entries, value)) throw new Error(`Key ${value} not found in enum`);
  return entries[value]!;
}

const enumOf = (values: Any, params?: Any) => mini.enum(values, params);

/** A schema maker whose schemas have the methods (the arguments are classic's, which are mini's). */
function made<F extends (...args: Any[]) => core.$ZodType>(make: F): F {
  return ((...args: Parameters<F>) => fluent(make(...args))) as F;
}

export const string = made(mini.string);
export const number = made(mini.number);
export const boolean = made(mini.boolean);
export const unknown = made(mini.unknown);
export const literal = made(mini.literal);
export const url = made(mini.url);
export const array = made(mini.array);
export const object = made(mini.object);
export const strictObject = made(mini.strictObject);
export const looseObject = made(mini.looseObject);
export const record = made(mini.record);
export const union = made(mini.union);
export const discriminatedUnion = made(mini.discriminatedUnion);
export const optional = made(mini.optional);
export const nullable = made(mini.nullable);
export const coerce = {
  number: made(mini.coerce.number),
  string: made(mini.coerce.string),
  boolean: made(mini.coerce.boolean),
};
const enumMade = made(enumOf);
export { enumMade as enum };

export const ZodError = core.$ZodError;
