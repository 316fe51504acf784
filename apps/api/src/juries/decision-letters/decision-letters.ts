import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CandidateState, candidateSpec, candidateStream, IssuedLetter } from '@app/domain/candidate/candidate';
import { appealDeadline, letterDecider, letterOf, parisDay, requireFinalRecord } from '@app/domain/candidate/decision-letters';
import { jurySpec, juryStream } from '@app/domain/jury/jury';
import { fold, Role } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { EventStore } from '@app/event-store/event-store';
import { Principal } from '@app/platform/auth/token-verifier';
import { asRecorded } from '@app/platform/commands/command-runner';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { isSealed } from '@app/platform/personal-data/vault';
import { WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { ZipWriter } from '../../http/zip-writer';
import { csvCell } from '../../sessions/deliberation-sheet/sheet-csv';
import { CandidateRecordView, JuryRecordReader, JuryRecordView } from '../read-record/jury-record-reader';
import { IssueDecisionLettersCommand } from './issue-letters.handler';
import { DecisionLetter, LetterAddressee, letterOfRecord, renderLetterPdf } from './letter-pdf';

type LetterReader = Principal & { grantedRoles: Role[] };

/** One candidate's letter, with what a back office merges it with. */
interface LetterFile {
  letter: DecisionLetter;
  fileName: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
}

/** A name part as a file name takes it: ASCII letters and digits, hyphens between words. */
const slug = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();

/**
 * Decision letters (docs/paths.md "Decision letters"). An admin's read
 * issues: the first time a letter is produced for a candidate,
 * `DecisionLetterIssued` is recorded in their file (the ZIP issues every
 * letter it holds that was not issued, in one append), and the letter is
 * dated by that first issue ever after. A regulator reads the same letters,
 * pseudonymised and without motivations, and never issues one: the same rules
 * are asked (final record, candidate decided by the jury) and nothing is written.
 */
@Injectable()
export class DecisionLetters {
  private readonly approvalRequired = loadOperationsConfig().record.approvalRequired;

  constructor(
    private readonly records: JuryRecordReader,
    private readonly commands: CommandBus,
    private readonly who: WhoSeesWhat,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async one(juryId: string, candidateId: string, principal: LetterReader, meta: CommandMeta): Promise<{ pdf: Buffer; fileName: string }> {
    const issues = await this.issue(juryId, [candidateId], principal, meta);
    const record = await this.records.read(juryId, {}, principal);
    const file = await this.fileOf(record, candidateId, issues.get(candidateId) ?? null, principal);
    return { pdf: await renderLetterPdf(file.letter), fileName: file.fileName };
  }

  /**
   * The ZIP of every letter of the jury: one PDF per candidate it decided,
   * named `lettre-<nom>-<prénom>-<candidateId>.pdf` (the pseudonym for a
   * regulator), and `lettres.csv`, the mail-merge table (file, addressee,
   * issue date, end of the appeal period). Letters are rendered and written
   * to the stream one at a time.
   */
  async zip(juryId: string, principal: LetterReader, meta: CommandMeta): Promise<{ stream: Readable; fileName: string }> {
    const issues = await this.issue(juryId, null, principal, meta);
    const record = await this.records.read(juryId, {}, principal);
    const zip = new ZipWriter(new Date(record.closedAt ?? 0));
    const clear = this.who.viewForJury({ id: principal.id, roles: principal.grantedRoles }, []).identity === 'clear';
    void (async () => {
      const rows: string[] = [clear ? 'candidateId;nom;prenom;email;fichier;emiseLe;finDelaiRecours' : 'candidateId;pseudonyme;fichier;emiseLe;finDelaiRecours'];
      for (const candidateId of [...issues.keys()].sort()) {
        const issue = issues.get(candidateId) ?? null;
        const file = await this.fileOf(record, candidateId, issue, principal);
        await zip.add({ name: file.fileName, data: await renderLetterPdf(file.letter) });
        const issuedOn = issue ? parisDay(issue.issuedAt) : null;
        const deadline = issue ? appealDeadline(issue.issuedAt) : null;
        rows.push(
          (clear ? [candidateId, file.familyName, file.givenName, file.email, file.fileName, issuedOn, deadline] : [candidateId, file.letter.candidate.pseudonym, file.fileName, issuedOn, deadline])
            .map((value) => csvCell(value ?? ''))
            .join(';'),
        );
      }
      await zip.add({ name: 'lettres.csv', data: Buffer.from(`\ufeff${rows.join('\r\n')}\r\n`, 'utf8') });
      await zip.finish();
    })().catch((error: Error) => zip.fail(error));
    return { stream: zip.stream, fileName: `lettres-decision-${juryId}.zip` };
  }

  /**
   * The letters' first issues, by candidate: issued now where an admin reads
   * and they were not yet; read from the files otherwise. Refuses (409, 422,
   * 404) as issuing would, for every reader.
   */
  private async issue(juryId: string, candidateIds: string[] | null, principal: LetterReader, meta: CommandMeta): Promise<Map<string, IssuedLetter | null>> {
    if (principal.grantedRoles.includes('admin')) return (await this.commands.execute(new IssueDecisionLettersCommand(juryId, candidateIds, meta))).letters;
    const jury = fold(jurySpec, (await this.store.readStream(juryStream(juryId), { upcast: true })).map(asRecorded));
    if (jury.status === 'none') throw notFound('jury', juryId);
    requireFinalRecord(jury, juryId, this.approvalRequired);
    const ids = candidateIds ?? [...new Set(jury.decisions.map((d) => d.candidateId))].sort();
    const out = new Map<string, IssuedLetter | null>();
    const context = { now: new Date().toISOString(), newId: randomUUID, actor: meta.actor, jury, approvalRequired: this.approvalRequired };
    for (const id of ids) {
      const file = await this.file(id);
      // The rules of issuing, asked without writing: a regulator reads what was issued, or a letter not issued yet.
      letterDecider.decide({ type: 'IssueDecisionLetter', data: { candidateId: id, juryId } }, file, context);
      out.set(id, letterOf(file, juryId) ?? null);
    }
    return out;
  }

  private async file(candidateId: string): Promise<CandidateState> {
    return fold(candidateSpec, (await this.store.readStream(candidateStream(candidateId), { upcast: true })).map(asRecorded));
  }

  private async fileOf(record: JuryRecordView, candidateId: string, issue: IssuedLetter | null, principal: LetterReader): Promise<LetterFile> {
    const candidate: CandidateRecordView | undefined = record.candidates.find((c) => c.candidateId === candidateId);
    if (!candidate) throw notFound('candidate', candidateId);
    const view = this.who.viewForJury({ id: principal.id, roles: principal.grantedRoles }, []);
    let addressee: LetterAddressee = { name: null, email: null };
    let givenName: string | null = null;
    let familyName: string | null = null;
    if (view.identity === 'clear' && !candidate.erased) {
      const sealed = (await this.file(candidateId)).identity;
      const identity = await this.who.identity(candidateId, isSealed(sealed) ? sealed : null, view);
      if (identity.status === 'identified') {
        givenName = identity.givenName;
        familyName = identity.usageName ?? identity.familyName;
        const born = identity.usageName && identity.usageName !== identity.familyName ? `, né(e) ${identity.familyName.toUpperCase()}` : '';
        addressee = { name: `${identity.givenName} ${familyName.toUpperCase()}${born}`, email: identity.email };
      }
    }
    const who = familyName ? `${slug(familyName)}-${slug(givenName ?? '')}` : candidate.erased ? 'efface' : candidate.pseudonym;
    return { letter: letterOfRecord(record, candidate, addressee, issue), fileName: `lettre-${who}-${candidateId}.pdf`, givenName, familyName, email: addressee.email };
  }
}
