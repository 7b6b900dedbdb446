import { z } from 'zod';

/** Exchanges send prices and quantities as decimal strings ("0.001"), never as JSON numbers. */
export const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .transform(Number);
export const positiveDecimal = decimal.refine((value) => value > 0, 'must be positive');
export const epochMs = z.number().int().nonnegative();
/** Bybit REST and OKX send times as strings of epoch milliseconds. */
export const epochMsString = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number);

/** A stream message's text as JSON, or the rejection every source gives one that is not. */
export function parseJson(text: string): { ok: true; json: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
}

/** Zod issues as one line, e.g. "p: Expected string; m: Expected boolean". */
export function describeIssues(error: unknown): string {
  return error instanceof z.ZodError
    ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    : String(error);
}
