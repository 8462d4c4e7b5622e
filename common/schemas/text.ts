import * as z from 'zod';
import { describeCharacter, escapeInvisible, findInvisible } from '../invisibleCharacters';

// What the schema files share and the index does not export: how a value is shown in a message, a
// one-line text, a date.

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

export const IsoDate = z.string();
