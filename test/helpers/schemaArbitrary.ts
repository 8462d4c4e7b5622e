import fc from 'fast-check';

// fast-check arbitraries from the JSON Schema (2020-12) of an OpenAPI document: values the schema
// allows, and values near them that it does not (a wrong type, an unknown field, a missing one),
// for the fuzz test of the API. Covers the keywords zod writes.

export type JsonSchema = Record<string, any>;
export type Components = Record<string, JsonSchema>;

/** Most items and characters a generated value holds: bodies stay small, runs stay quick. */
const MAX_ITEMS = 4;
const MAX_CHARS = 40;

/** Any string: ASCII, any Unicode (control and invisible characters included), or empty. */
export const anyString = (maxLength = MAX_CHARS) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
  );

/** A value `schema` allows (refinements that JSON Schema cannot say may still refuse it). */
export function valid(schema: JsonSchema, components: Components): fc.Arbitrary<unknown> {
  if (schema.$ref) return valid(components[String(schema.$ref).split('/').pop()!]!, components);
  if (schema.anyOf || schema.oneOf)
    return fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: JsonSchema) => valid(s, components)));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, -1_000_000),
        max: Math.min(schema.maximum ?? 1_000_000, 1_000_000),
      });
    case 'number':
      return fc.double({
        min: Math.max(schema.minimum ?? -1e9, -1e9),
        max: Math.min(schema.maximum ?? 1e9, 1e9),
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(schema.items ?? {}, components), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case 'object':
      return validObject(schema, components);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_CHARS, MAX_CHARS));
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    return matching(pattern).filter(
      (value) => pattern.test(value) && value.length >= minLength && value.length <= (schema.maxLength ?? Infinity),
    );
  }
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength }));
}

/** fast-check's stringMatching, which has no lookaheads: without them, and filtered by the whole pattern. */
function matching(pattern: RegExp): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(pattern);
  } catch {
    return fc.stringMatching(new RegExp(pattern.source.replace(/\(\?[!=][^()]*\)/g, '')));
  }
}

/**
 * Bodies near a known good one (the document's example): its fields mostly as they are, now and
 * then one any value its schema allows, and now and then one more of the schema's fields.
 */
export function nearExample(example: Record<string, unknown>, schema: JsonSchema, components: Components) {
  const resolved = schema.$ref ? components[String(schema.$ref).split('/').pop()!]! : schema;
  const properties: Record<string, JsonSchema> = resolved.properties ?? {};
  const kept = fc.record(
    Object.fromEntries(
      Object.entries(example).map(([key, value]) => [
        key,
        properties[key]
          ? fc.oneof(
              { weight: 5, arbitrary: fc.constant(value) },
              { weight: 1, arbitrary: valid(properties[key], components) },
            )
          : fc.constant(value),
      ]),
    ),
  );
  const others = Object.keys(properties).filter((key) => !(key in example));
  const extra = others.length
    ? fc.option(
        fc
          .constantFrom(...others)
          .chain((key) => valid(properties[key]!, components).map((value) => ({ [key]: value }))),
        {
          nil: {},
        },
      )
    : fc.constant({});
  return fc.tuple(kept, extra).map(([body, more]) => ({ ...body, ...more }));
}

function validObject(schema: JsonSchema, components: Components): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  const shape = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(value, components)]));
  const record = fc.record(shape, { requiredKeys: schema.required ?? [] });
  if (typeof schema.additionalProperties !== 'object' || Object.keys(properties).length > 0) return record;
  // A map such as repositoryInstructions: any keys, each value as its schema says.
  return fc.dictionary(anyString(20), valid(schema.additionalProperties, components), { maxKeys: MAX_ITEMS });
}

/** Values the schema allows, and values close to them that it does not. */
export function nearlyValid(schema: JsonSchema, components: Components): fc.Arbitrary<unknown> {
  const good = valid(schema, components);
  return fc.oneof(
    { weight: 4, arbitrary: good },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(good, anyString(12), fc.jsonValue({ maxDepth: 1 }))
        .map(([value, key, extra]) => (isObject(value) ? { ...value, [key]: extra } : value)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(good, fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([value, index, replacement]) => {
        if (!isObject(value)) return replacement;
        const keys = Object.keys(value);
        if (keys.length === 0) return value;
        const key = keys[index % keys.length]!;
        // Half the time the field goes missing, half the time it is something else.
        if (index % 2 === 0) {
          const { [key]: _dropped, ...rest } = value;
          return rest;
        }
        return { ...value, [key]: replacement };
      }),
    },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
