import type { Context } from 'hono';
import type { z } from 'zod';

/** A request body read as JSON, or the fact that it was not JSON. */
export type JsonBody = { ok: true; value: unknown } | { ok: false };

/** Reads the request body as JSON without throwing. */
export async function readJson(c: Context): Promise<JsonBody> {
  try {
    return { ok: true, value: await c.req.json() };
  } catch {
    return { ok: false };
  }
}

/** The first five issues of a failed parse, as `path: message; …` (`(body)` for the root). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}
