// The one place errors become HTTP answers: a NeutronError renders as
// {"NeutronError": {type, message, detail}} with its status and is logged at
// info; anything else is a bug, logged with its stack and answered as a 500.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { NeutronError } from '../domain/errors.js';
import type { Logger } from '../log.js';

export function neutronErrorBody(type: string, message: string, detail = '') {
  return { NeutronError: { type, message, detail } };
}

export function createErrorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof NeutronError) {
      log.info({ method: c.req.method, path: c.req.path, status: err.status, type: err.type }, err.message);
      return c.json(neutronErrorBody(err.type, err.message, err.detail), err.status as ContentfulStatusCode);
    }
    log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(
      neutronErrorBody('HTTPInternalServerError', 'Request Failed: internal server error while processing your request.'),
      500,
    );
  };
}
