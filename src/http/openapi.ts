import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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
      '(application/problem+json). Every endpoint needs `Authorization: Bearer <token>` except ' +
      'the health, metrics and documentation ones, and DFSP callbacks, which are signed ' +
      '(`X-Signature`).',
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
  const assets = swaggerUiAssets();
  app.get(DOCS_PATH, (c) => c.html(DOCS_PAGE));
  for (const [name, asset] of Object.entries(assets)) {
    app.get(`${DOCS_PATH}/${name}`, (c) =>
      c.body(asset.body, 200, {
        'content-type': asset.type,
        'cache-control': 'public, max-age=86400',
      }),
    );
  }
}

/**
 * Swagger UI's own files, served from the installed swagger-ui-dist package rather than a CDN:
 * the service must show its documentation on a network that reaches nothing outside.
 */
function swaggerUiAssets(): Record<string, { body: string; type: string }> {
  const directory = path.dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  );
  const read = (file: string) => readFileSync(path.join(directory, file), 'utf8');
  return {
    'swagger-ui.css': { body: read('swagger-ui.css'), type: 'text/css; charset=utf-8' },
    'swagger-ui-bundle.js': {
      body: read('swagger-ui-bundle.js'),
      type: 'text/javascript; charset=utf-8',
    },
    'docs.js': {
      body: `window.ui = SwaggerUIBundle({ url: '${OPENAPI_PATH}', dom_id: '#swagger-ui' });`,
      type: 'text/javascript; charset=utf-8',
    },
  };
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>g2p-ledger API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/docs.js"></script>
</body>
</html>
`;
