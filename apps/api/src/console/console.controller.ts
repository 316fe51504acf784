import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES, type Role } from '@app/domain/shared/decider';
import { AuthConfig } from '@app/platform/auth/auth.config';
import { Public } from '@app/platform/auth/roles';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { AUTH_CONFIG, CONSOLE_SETTINGS } from './console.tokens';
import type { ConsoleSettings } from './console.config';

/** How long a development token of the console lasts: a working day. */
export const DEV_TOKEN_HOURS = 8;

@ApiTags('console')
@Public()
@Controller('console')
export class ConsoleConfigController {
  constructor(@Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings) {}

  /** Public by nature: the page needs it before anyone is signed in, and it holds no secret (a public client has none). */
  @Get('config.json')
  @ApiOperation({ summary: 'The console\'s sign-in settings (identity provider, or the development sign-in)', description: 'docs/console.md' })
  @ApiResponse({ status: 200, description: '{ signIn: "oidc" | "development" | "unavailable", oidc?: { issuer, clientId, scope, audience? }, rolesClaim }' })
  config(@Res({ passthrough: true }) res: FastifyReply) {
    void res.header('Cache-Control', 'no-cache');
    return this.settings.public;
  }
}

export class DevTokenDto {
  @ApiProperty({ description: 'the user id the token names (its `sub`)', example: 'pres-1' })
  @IsString()
  @Length(1, 200)
  @Matches(/^\S+$/, { message: 'sub must not contain spaces' })
  sub!: string;

  @ApiProperty({ description: 'the display name', example: 'Claire Petit' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES as readonly string[] as string[], { each: true })
  roles!: Role[];
}

/**
 * Development only: mints a token signed with the development key, as
 * `npm run -s token` does, so the console can be tried without an identity
 * provider. Registered only where loadConsoleSettings allows it (never in
 * production, never beside a configured provider); by default it answers
 * clients on this machine alone, and never through a proxy.
 */
@ApiTags('console')
@Public()
@Controller('console/dev')
export class ConsoleDevTokenController {
  constructor(
    @Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings,
    @Inject(AUTH_CONFIG) private readonly auth: AuthConfig,
  ) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Development only: a development token for the console\'s sign-in page',
    description: 'Absent (404) in production, when an identity provider verifies the tokens, when CONSOLE_OIDC_ISSUER is set or with CONSOLE_DEV_SIGN_IN=off. Loopback clients only (no proxy header) unless CONSOLE_DEV_SIGN_IN=any.',
  })
  @ApiResponse({ status: 200, description: '{ token, expiresInSeconds }' })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: unknown field, empty sub or name, a role that is not one', schema: { $ref: '#/components/schemas/ErrorBody' } })
  @ApiResponse({ status: 403, description: 'FORBIDDEN: the client is not on this machine (CONSOLE_DEV_SIGN_IN=loopback)', schema: { $ref: '#/components/schemas/ErrorBody' } })
  async token(@Body() body: DevTokenDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply) {
    if (this.settings.devSignIn === 'loopback' && !fromThisMachine(req)) {
      throw new HttpException({ statusCode: 403, code: 'FORBIDDEN', message: 'the development sign-in answers clients on this machine only (CONSOLE_DEV_SIGN_IN)' }, HttpStatus.FORBIDDEN);
    }
    void res.header('Cache-Control', 'no-store');
    const token = await signDevelopmentToken(this.auth, { sub: body.sub, name: body.name, roles: body.roles }, DEV_TOKEN_HOURS);
    return { token, expiresInSeconds: DEV_TOKEN_HOURS * 3600 };
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The TCP peer is this machine and no proxy relayed the request (behind a local proxy every client would look local). */
export function fromThisMachine(req: FastifyRequest): boolean {
  const peer = req.raw.socket?.remoteAddress ?? '';
  const relayed = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return LOOPBACK.has(peer) && !relayed;
}
