// Request bodies: JSON or a clear 400, never an exception from the parser.
import type { Context } from 'hono';
import { HTTPBadRequest } from '../domain/errors.js';

export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new HTTPBadRequest('Malformed request body: the body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new HTTPBadRequest('Malformed request body');
  }
}
