import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { invalid } from '@app/domain/shared/errors';
import { Roles } from '@app/platform/auth/roles';
import { WhoSeesWhat, Reader } from '@app/platform/personal-data/who-sees-what';
import { CredentialIssuer, VerificationReport } from './credential-issuer';
import { IdParam } from '../http/id-param';
import { CurrentReader } from '../http/reader';

export const CREDENTIAL_ISSUER = 'CREDENTIAL_ISSUER';

const uuid = new IdParam('id', 'invalid');

class VerificationChecks {
  @ApiProperty({ enum: ['valid', 'invalid'] }) proof!: string;
  @ApiProperty({ enum: ['this-certifier', 'unknown'] }) issuer!: string;
  @ApiProperty({ enum: ['active', 'revoked', 'unknown'] }) status!: string;
  @ApiProperty({ enum: ['current', 'not-yet-valid', 'expired', 'unknown'] }) validity!: string;
}

class VerificationResult {
  @ApiProperty({ description: 'true only when the proof is valid, signed by this certifier, not revoked and currently valid' })
  verified!: boolean;
  @ApiProperty({ type: VerificationChecks }) checks!: VerificationChecks;
  @ApiProperty({ type: [String] }) errors!: string[];
}

const CREDENTIAL_EXAMPLE = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'urn:uuid:…',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: 'did:key:z6Mk…', type: ['Profile'], name: 'CDE FEDE FRANCE' },
  validFrom: '2025-06-30T10:00:00.000Z',
  credentialSubject: { id: 'urn:uuid:<candidateId>', type: ['AchievementSubject'], achievement: { humanCode: 'RNCP38000BC01', name: '…', criteria: { narrative: '…' } } },
  credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '0', statusListCredential: 'https://…/v1/credentials/status' },
  proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', verificationMethod: 'did:key:z6Mk…#z6Mk…', proofPurpose: 'assertionMethod', proofValue: 'z…' },
};

@ApiTags('credentials')
@Controller()
export class CredentialsController {
  constructor(
    @Inject(CREDENTIAL_ISSUER) private readonly issuer: CredentialIssuer,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get('v1/candidates/:id/credentials')
  @Roles('admin', 'jury', 'regulator')
  @ApiOperation({
    summary: "The candidate's Open Badges 3.0 credentials",
    description:
      'One W3C Verifiable Credential (OpenBadgeCredential) per block whose latest jury decision is `validated`, and one per awarded certification ' +
      'whose blocks all still are; each signed with an eddsa-jcs-2022 Data Integrity proof by the certifier key (did:key). The subject is ' +
      '`urn:uuid:<candidateId>`: no personal data in the badge. A revised decision revokes the credential through the status list. ' +
      'Credentials are issued at the seal: only on decisions and awards of sealed records that the jury’s president approved (RECORD_APPROVAL_REQUIRED, default true). ' +
      'Those still waiting are left out and counted in `X-Credentials-Withheld`, with a `Warning: 199` naming the juries.',
  })
  @ApiOkResponse({ description: 'the credentials', schema: { type: 'array', items: { type: 'object', example: CREDENTIAL_EXAMPLE } } })
  async list(@Param('id', uuid) id: string, @CurrentReader() reader: Reader, @Res({ passthrough: true }) res: FastifyReply) {
    // A jury member reads the credentials of the candidates of their juries' sessions only (403 otherwise).
    await this.who.assertInScope(reader, id);
    const { credentials, withheld } = await this.issuer.credentialsOf(id);
    const waiting = withheld.reduce((n, w) => n + w.credentials, 0);
    void res.header('X-Credentials-Withheld', String(waiting));
    if (waiting) {
      const why = withheld.map((w) => `jury ${w.juryId}: ${w.approvalStatus === 'awaiting-president' ? 'sealed record awaiting the president approval' : 'deliberation not sealed'}`).join('; ');
      void res.header('Warning', `199 - "${waiting} credential(s) not issued until the record is final (${why})"`);
    }
    return credentials;
  }

  @Get('v1/credentials/status')
  @Roles('admin', 'assessor', 'referent', 'jury', 'regulator')
  @ApiOperation({ summary: 'The revocation status list (BitstringStatusListCredential, signed)', description: 'Bit i of the GZIP-compressed `encodedList` is set when the credential with statusListIndex i is revoked.' })
  @ApiOkResponse({ description: 'the status list credential', schema: { type: 'object' } })
  async status() {
    return this.issuer.statusList();
  }

  @Post('v1/credentials/verify')
  @HttpCode(200)
  @Roles('admin', 'assessor', 'referent', 'jury', 'regulator')
  @ApiOperation({ summary: 'Verify a credential: proof, issuer, revocation status and validity dates' })
  @ApiBody({ description: 'a credential as issued (JSON object)', schema: { type: 'object', example: CREDENTIAL_EXAMPLE } })
  @ApiOkResponse({ type: VerificationResult })
  async verify(@Body() credential: Record<string, unknown>): Promise<VerificationReport> {
    if (!credential || typeof credential !== 'object' || Array.isArray(credential)) throw invalid('the body must be a credential (a JSON object)');
    return this.issuer.verify(credential);
  }
}
