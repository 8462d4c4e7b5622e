import * as z from 'zod';
import { describeCharacter, escapeInvisible, findInvisible } from '../invisibleCharacters';

// What the schema files share and the index does not export: how a value is shown in a message, a
// one-line text, a bounded text, a whole number in bounds, a date.

export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Shows control characters, invisible ones and surrounding whitespace in messages instead of hiding them. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const shown = escapeInvisible(JSON.stringify(text).slice(1, -1));
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}

export const SingleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => !CONTROL_CHARS.test(value), { error: 'must not contain control characters' })
    .superRefine((value, ctx) => {
      const invisible = findInvisible(value);
      if (invisible !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `must not contain ${describeCharacter(invisible)}: invisible characters make a name read as something else`,
        });
    });

/** A text of at most `max` characters that is not blank (it may run over lines). */
export const BoundedText = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => value.trim().length > 0, { error: 'must not be empty' });

/** A whole number from `min` (to `max`), with one message for every way a value is not one. */
export const WholeNumber = (min: number, max?: number) => inBounds(z.number, min, max);

/** A query parameter's whole number: the same, read from its text. */
export const WholeNumberParam = (min: number, max?: number) => inBounds(z.coerce.number, min, max);

function inBounds<T extends z.ZodNumber | z.ZodCoercedNumber>(
  number: (params: { error: string }) => T,
  min: number,
  max?: number,
) {
  const error = `must be a whole number from ${min}${max === undefined ? '' : ` to ${max}`}`;
  const atLeast = number({ error }).int({ error }).min(min, { error });
  return max === undefined ? atLeast : atLeast.max(max, { error });
}

export const IsoDate = z.string();
