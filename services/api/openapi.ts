import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { describeResponses, openApiTags } from './openapi-tags.ts';

/**
 * The OpenAPI 3 document, generated from the zod schemas every route declares (the same ones that
 * validate it), at /docs/json, and Swagger UI at /docs with its assets served from node_modules
 * (no CDN). Register before the routes: @fastify/swagger collects them through onRoute.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Wanxiang (万象) API',
        description: 'Live district, compliance against the plan, evaluation of lab sheets, device administration. Errors answer `{ code, message }` with a WX_ERR_* code (README, error table).',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'WX_API_TOKENS: a reader, operator or admin token' },
          session: { type: 'apiKey', in: 'cookie', name: 'wx_session', description: 'a screen’s sign-in (POST /api/v1/session): reads only' },
          brokerSecret: { type: 'apiKey', in: 'header', name: 'x-wanxiang-broker-secret', description: 'WX_BROKER_AUTH_SECRET, sent by EMQX’s HTTP authenticator' },
        },
      },
      tags: [...openApiTags],
    },
    // The zod schemas as JSON Schema, then every response described (services/api/openapi-tags.ts).
    transform: (input) => {
      const output = jsonSchemaTransform(input);
      return { ...output, schema: describeResponses(output.schema as Record<string, unknown>) as typeof output.schema };
    },
  });
  // The documentation pages take their own queries: their routes say so (query-keys.ts), by scope, not by path.
  app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, pageQuery: true };
    });
    await scope.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false }, logLevel: 'silent' });
  });
}
