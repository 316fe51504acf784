import { INestApplication, RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PUBLIC_KEY, ROLES_KEY } from '@app/platform/auth/roles';
import { CommandGuard } from '@app/platform/commands/idempotency';
import { describeCodes, ERROR_CODES, ErrorCode, statusOf } from '@app/domain/shared/error-codes';

/** The status table of the errors section, every code of the catalogue in its row. */
function errorTable(): string {
  const rows = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) rows.set(statusOf(code), [...(rows.get(statusOf(code)) ?? []), code]);
  return ['| status | codes |', '|---|---|', ...[...rows].sort(([a], [b]) => a - b).map(([status, codes]) => `| ${status} | ${codes.map((c) => `\`${c}\``).join(', ')} |`)].join('\n');
}

const DESCRIPTION = `
The system of record of an RNCP certifier: referentials, candidate files, jury deliberations and sealed records,
on an append-only, hash-chained event log.

**Authentication.** Every \`/v1\` route needs \`Authorization: Bearer <JWT>\` (\`sub\` = user id, \`roles\` = role names:
\`admin\`, \`assessor\`, \`referent\`, \`jury\`, \`regulator\`). Each operation below states the roles it accepts
("Roles: …" and \`x-roles\`). Missing or invalid token → 401; a role the route does not accept → 403.

**Errors.** Every error body is \`{ "statusCode": 4xx, "code": "UPPER_SNAKE", "message": "…" }\` (schema \`ErrorBody\`):

${errorTable()}

**Commands** answer \`201 { id, position, version }\` with \`ETag: "<version>"\`, accept \`If-Match\` and \`Idempotency-Key\`.
**Queries** are eventually consistent; send \`X-Min-Position: <position>\` to wait (up to 5 s) for your own write.
**Correlation.** Send \`X-Correlation-Id\` to tie your request to the log lines and events it produces; it is echoed back
(a new one is generated when absent).
`.trim();

export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 422 },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', example: 'MOTIVATION_REQUIRED' },
    message: { type: 'string', example: 'a decision that departs from the proposal needs a motivation' },
    details: { description: 'optional: the faults of a 400 as [{ path, message }], or rule-specific details' },
  },
};

const COMMAND_RESULT_SCHEMA = {
  type: 'object',
  required: ['id', 'position', 'version'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    position: { type: 'integer', description: 'global log position of the last event written (use it as X-Min-Position)' },
    version: { type: 'integer', description: 'stream version, also in the ETag header' },
  },
  additionalProperties: true,
};

interface RouteRule {
  roles: string[];
  isPublic: boolean;
  command: boolean;
}

/**
 * Builds the OpenAPI document from the code and serves it at /docs (Swagger UI)
 * and /docs-json. Role rules are read from the same @Roles/@Public metadata the
 * guard enforces, so the document cannot drift from what the API does.
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Certification backend')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .setLicense('UNLICENSED: all rights reserved by the certifier', '/docs')
    .addServer('/', 'this API, relative to where the document is served')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey}_${methodKey}`,
  });
  annotate(document, routeRules(app));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'Certification backend API' });
  return document;
}

/** `METHOD /path/{param}` → the route's role rule, read from every controller of the app. */
export function routeRules(app: INestApplication): Map<string, RouteRule> {
  const rules = new Map<string, RouteRule>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!controller || typeof controller !== 'function') continue;
      const classPaths = asArray(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const proto = controller.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const handler = proto[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const methodPaths = Reflect.getMetadata(PATH_METADATA, handler);
        if (methodPaths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]?.toLowerCase();
        if (!method) continue;
        const roles = (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller) ?? []) as string[];
        const isPublic = Boolean(Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller));
        const guards = (Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[];
        const command = guards.includes(CommandGuard) || (Reflect.getMetadata(HTTP_CODE_METADATA, handler) === 201 && method === 'post');
        for (const c of classPaths) for (const m of asArray(methodPaths)) rules.set(`${method} ${openApiPath(c, m)}`, { roles, isPublic, command });
      }
    }
  }
  return rules;
}

/** One tag per area, in the order the Swagger UI lists them. */
export const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'referentials', description: 'Versions of the certification referential: draft, publish, retire, read' },
  { name: 'sessions', description: 'Exam sessions and their assessors' },
  { name: 'candidates', description: "The candidate's file: registration, enrolment, accommodations, scores, opinions, progress, history" },
  { name: 'juries', description: 'Juries, deliberations, decisions and the sealed record (procès-verbal)' },
  { name: 'exports', description: 'Declarations to the Caisse des Dépôts (accrochage)' },
  { name: 'credentials', description: 'Open Badges 3.0 credentials and their status list' },
  { name: 'audit', description: 'The ledger: hash chain, signed checkpoints, export and verification' },
  { name: 'operations', description: 'Health, readiness, metrics and projection status' },
  { name: 'console', description: 'The web console served at /console: its sign-in settings and the development sign-in (docs/console.md)' },
];
const TAG_ALIASES: Record<string, string> = { health: 'operations' };

/** Summaries stay one short line; the detail goes in the description. */
export const SUMMARY_MAX = 100;

/** Errors every operation can answer, whatever its role rule. */
const COMMON_ERRORS = {
  '429': describeCodes('RATE_LIMITED'),
};

function annotate(document: OpenAPIObject, rules: Map<string, RouteRule>): void {
  document.tags = TAGS.map((t) => ({ ...t }));
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.ErrorBody = ERROR_BODY_SCHEMA as never;
  document.components.schemas.CommandResult = COMMAND_RESULT_SCHEMA as never;
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } });
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, any>)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      const rule = rules.get(`${method} ${path}`);
      op.responses ??= {};
      op.tags = [...new Set<string>((op.tags ?? []).map((t: string) => TAG_ALIASES[t.toLowerCase()] ?? t.toLowerCase()))];
      if (op.tags.length === 0) op.tags = ['operations'];
      for (const [status, text] of Object.entries(COMMON_ERRORS)) op.responses[status] ??= error(text);
      if (op.requestBody) op.responses['413'] ??= error(describeCodes('PAYLOAD_TOO_LARGE'));
      if (!rule || rule.isPublic) {
        op.security = [];
        op['x-roles'] = [];
        op.description = prefix(op.description, '**Public**: no token needed.');
        continue;
      }
      op['x-roles'] = rule.roles;
      op.security = [{ bearer: [] }];
      op.description = prefix(op.description, `**Roles:** ${rule.roles.length ? rule.roles.join(', ') : 'none (refused)'}.`);
      op.responses['401'] ??= error(describeCodes('UNAUTHENTICATED'));
      op.responses['503'] ??= error('SERVICE_UNAVAILABLE: the database is unavailable (Retry-After), or a read model could not catch up with X-Min-Position');
      op.responses['403'] ??= error(`FORBIDDEN: the token has none of the roles ${rule.roles.join(', ')} (or an object-level rule refuses)`);
      if (op.requestBody || (op.parameters ?? []).some((p: { in?: string }) => p.in === 'path' || p.in === 'query')) {
        op.responses['400'] ??= error('VALIDATION_FAILED: malformed body, unknown field, wrong type or malformed id');
      }
      if ((op.parameters ?? []).some((p: { in?: string }) => p.in === 'path')) op.responses['404'] ??= error('NOT_FOUND: unknown id');
      if (rule.command) {
        op.parameters ??= [];
        const names = new Set(op.parameters.map((p: { name?: string }) => p.name?.toLowerCase()));
        if (!names.has('idempotency-key')) op.parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'same key + same body: the first answer again, nothing written; another body: 409 IDEMPOTENCY_KEY_REUSED' });
        if (!names.has('if-match')) op.parameters.push({ name: 'If-Match', in: 'header', required: false, schema: { type: 'string', example: '"3"' }, description: 'the stream version you last saw; 412 PRECONDITION_FAILED when it moved' });
        const created = op.responses['201'] ?? {};
        created.description ??= 'Created';
        created.content ??= { 'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } } };
        created.headers ??= { ETag: { description: 'the stream version, quoted ("3")', schema: { type: 'string' } } };
        op.responses['201'] = created;
        delete op.responses['200'];
        op.responses['409'] ??= error(describeCodes('CONCURRENCY_CONFLICT', 'IDEMPOTENCY_KEY_REUSED'));
        op.responses['412'] ??= error(describeCodes('PRECONDITION_FAILED'));
        op.responses['422'] ??= error('a business rule refuses the command (code names the rule)');
      }
      // A documented error status whose decorator gave only a description still answers the error body.
      for (const [status, answer] of Object.entries<any>(op.responses)) {
        if (/^[45]\d\d$/.test(status) && !answer.content) answer.content = error('').content;
      }
    }
  }
}

function prefix(description: string | undefined, line: string): string {
  return description ? `${line}\n\n${description}` : line;
}

function asArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Nest path parts (`candidates`, `:id/progress`) → `/candidates/{id}/progress`. */
export function openApiPath(...parts: string[]): string {
  const joined = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
