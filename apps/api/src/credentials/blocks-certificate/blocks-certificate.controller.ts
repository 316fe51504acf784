import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { Reader } from '@app/platform/personal-data/who-sees-what';
import { IdParam } from '../../http/id-param';
import { CurrentReader } from '../../http/reader';
import { Refusals } from '../../http/refusals';
import { BlocksCertificates } from './blocks-certificate';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('v1/candidates')
export class BlocksCertificateController {
  constructor(private readonly certificates: BlocksCertificates) {}

  @Get(':id/certificates/blocks.pdf')
  @Roles('admin', 'regulator')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the attestation, signed', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @ApiOperation({
    summary: 'The signed certificate of blocks acquired, a French PDF (beyond API.md)',
    description:
      'The attestation de blocs de compétences acquis: each block validated and in force (capitalised, within its validity period) on a final record (sealed, and approved by the president where RECORD_APPROVAL_REQUIRED), ' +
      'per certification with its RNCP code, title and level. The canonical JSON of the attested content is hashed (SHA-256) and signed (Ed25519) with the record key; ' +
      'hash, signature and key fingerprint are printed and, with the content, in the PDF metadata (`X-Attestation-Hash` too): `npm run -s cli -- certificate verify <file>` checks them offline. ' +
      'Admins read the holder’s identity, regulators the pseudonym only; other roles 403. 404: unknown candidate.',
  })
  @Refusals('NO_BLOCK_IN_FORCE')
  async pdf(@Param('id', new IdParam('candidate')) id: string, @CurrentReader() reader: Reader, @Res({ passthrough: true }) res: FastifyReply): Promise<StreamableFile> {
    const { pdf, hash } = await this.certificates.pdf(id, reader);
    void res.header('X-Attestation-Hash', hash);
    return new StreamableFile(pdf, { type: 'application/pdf', disposition: `inline; filename="attestation-blocs-${id}.pdf"`, length: pdf.length });
  }
}
