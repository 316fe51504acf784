import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { Role } from '@app/domain/shared/decider';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';
import { DecisionLetters } from './decision-letters';

const WHO =
  'Admins issue letters: the first read of a letter records `DecisionLetterIssued` in the candidate’s file (once; reading again writes nothing) and the appeal ' +
  'deadline runs from it. Regulators read them pseudonymised, without the jury’s motivations, and never issue one. Jury members read the procès-verbal, not the letters (403).';

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class DecisionLettersController {
  constructor(private readonly letters: DecisionLetters) {}

  @Get(':id/letters/:candidateId.pdf')
  @Roles('admin', 'regulator')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the decision letter', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @ApiOperation({
    summary: 'A candidate’s decision letter (French PDF), with the routes of appeal (beyond API.md)',
    description: `The jury’s decision per block, the motivations, the award, the routes and deadlines of appeal, the seal hash. Only once the record is final (sealed, and approved by the president where RECORD_APPROVAL_REQUIRED). ${WHO} 404: unknown jury or candidate.`,
  })
  @Refusals('RECORD_NOT_FINAL', 'NOT_DECIDED_BY_JURY')
  async one(
    @Param('id', new IdParam('jury')) id: string,
    @Param('candidateId', new IdParam('candidate')) candidateId: string,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
    @Meta() meta: CommandMeta,
  ): Promise<StreamableFile> {
    const { pdf, fileName } = await this.letters.one(id, candidateId, principal, meta);
    return new StreamableFile(pdf, { type: 'application/pdf', disposition: `inline; filename="${fileName}"`, length: pdf.length });
  }

  @Get(':id/letters.zip')
  @Roles('admin', 'regulator')
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'one PDF per candidate the jury decided, and lettres.csv (mail merge)', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } })
  @ApiOperation({
    summary: 'Every decision letter of a jury as a ZIP, with a mail-merge table (beyond API.md)',
    description: `One \`lettre-<nom>-<prénom>-<candidateId>.pdf\` per candidate the jury decided (\`lettre-<pseudonym>-<candidateId>.pdf\` for a regulator) and \`lettres.csv\` (UTF-8, \`;\`). An admin’s download issues, in one append, every letter not issued yet. ${WHO}`,
  })
  @Refusals('RECORD_NOT_FINAL')
  async zip(@Param('id', new IdParam('jury')) id: string, @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] }, @Meta() meta: CommandMeta): Promise<StreamableFile> {
    const { stream, fileName } = await this.letters.zip(id, principal, meta);
    return new StreamableFile(stream, { type: 'application/zip', disposition: `attachment; filename="${fileName}"` });
  }
}
