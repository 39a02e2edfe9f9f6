import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';

/** Where the OpenAPI document and its browsable rendering are served (no token needed). */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'g2p-ledger HTTP API',
    version: '1',
    description:
      'Event-sourced payment ledger for government-to-person programme payments. Amounts are ' +
      'decimal strings with a currency; ids are strings; errors are RFC 9457 problems ' +
      '(application/problem+json). Every endpoint needs `Authorization: Bearer <token>`.',
  },
};

/**
 * Serves the OpenAPI 3 document generated from the routes' own zod schemas at `/openapi.json`
 * (with the bearer security scheme) and Swagger UI at `/docs`. Call it after every route is
 * registered; the document is built once, on first request.
 */
export function registerDocs(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token of API_TOKENS; its roles decide what it may call',
  });
  let document: ReturnType<typeof app.getOpenAPIDocument> | undefined;
  app.get(OPENAPI_PATH, (c) => {
    document ??= app.getOpenAPIDocument(DOCUMENT);
    return c.json(document, 200);
  });
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: 'g2p-ledger API' }));
}
