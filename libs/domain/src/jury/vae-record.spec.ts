import { fold, RecordedEvent } from '../shared/decider';
import { candidateSpec } from '../candidate/candidate';
import { published } from '../testing/candidate-fixtures';
import { jurySpec } from './jury';
import { buildJuryRecord } from './record';
import { recordContent as sealedContent } from './seal';
import { candidateView } from './views';

const recordContent = (state: typeof jury) => sealedContent(state, { id: REF, code: 'RNCP00000', version: 1 }, {}, '2026-06-22T10:00:00.000Z');
const ev = (type: string, data: Record<string, unknown>, recordedAt?: string): RecordedEvent => ({ type, data, recordedAt });
const text = (label: string) => ({ alg: 'A256GCM' as const, kid: 'cand', iv: 'aXY=', ct: label, tag: 'dGFn' });
const members = [
  { userId: 'pres', name: 'Paule', president: true, professional: false },
  { userId: 'pro', name: 'Pierre', president: false, professional: true },
];
const SESSION = 's0000000-0000-4000-8000-000000000001';
const REF = published.referentialId!;

const jury = fold(jurySpec, [
  ev('JuryConvened', { juryId: 'j', sessionId: SESSION, referentialId: REF, members }),
  ev('VaeInterviewHeld', { juryId: 'j', candidateId: 'cand', applicationId: 'a1', sessionId: SESSION, heldOn: '2026-06-20', memberId: 'pro', notes: text('notes') }),
  ev('DeliberationOpened', { juryId: 'j' }),
  ev('BlockDecided', { juryId: 'j', candidateId: 'cand', block: 'BC01', decision: 'validated', proposal: 'incomplete', motivation: text('motivation'), vae: { applicationId: 'a1' } }, '2026-06-21T10:00:00.000Z'),
]);
const candidate = fold(candidateSpec, [
  ev('CandidateRegistered', { candidateId: 'cand', identity: text('identity'), accessRoute: 'vae' }),
  ev('VaeApplicationFiled', { candidateId: 'cand', applicationId: 'a1', referentialId: REF, certificationCode: 'RNCP00000', blocks: ['BC01', 'BC02'], summary: text('summary') }, '2026-05-01T08:00:00.000Z'),
  ev('VaeAdmissibilityDecided', { candidateId: 'cand', applicationId: 'a1', admissible: true, motivation: text('admissible') }, '2026-05-02T08:00:00.000Z'),
  ev('VaeFileSubmitted', { candidateId: 'cand', applicationId: 'a1', blocks: ['BC01'], file: text('dossier') }, '2026-05-03T08:00:00.000Z'),
  ev('CandidateEnrolled', { candidateId: 'cand', sessionId: SESSION, referentialId: REF, blocks: ['BC01'], vaeApplicationId: 'a1' }),
]);

describe('the jury record of a VAE candidate', () => {
  it('seals the decisions on the file and the interviews, notes as stored', () => {
    const content = recordContent(jury);
    expect(content.decisions).toEqual([{ candidateId: 'cand', block: 'BC01', proposal: 'incomplete', decision: 'validated', motivation: text('motivation'), vae: { applicationId: 'a1' } }]);
    expect(content.vaeInterviews).toEqual([{ candidateId: 'cand', applicationId: 'a1', heldOn: '2026-06-20', memberId: 'pro', notes: text('notes') }]);
    // An interview recorded more changes the sealed content.
    const other = [ev('VaeInterviewHeld', { juryId: 'j', candidateId: 'cand', applicationId: 'a1', sessionId: SESSION, heldOn: '2026-06-19', memberId: 'pro' })].reduce(jurySpec.evolve, jury);
    expect(JSON.stringify(recordContent(other))).not.toBe(JSON.stringify(content));
  });

  it('shows the path and the basis of each block, texts through the reader’s eyes', () => {
    const build = (show: (label: string) => string) =>
      buildJuryRecord({
        jury,
        referential: published,
        session: { sessionId: SESSION, referentialId: REF, title: 'Juin', startsOn: null, endsOn: null },
        candidates: { cand: candidateView(candidate) },
        reveal: () => ({ givenName: 'Alice', familyName: 'Martin' }),
        text: (value) => (value && typeof value === 'object' ? show(value.ct) : (value ?? null)),
      }).candidates[0];
    const shown = build((label) => label);
    expect(shown.vae).toEqual({
      applicationId: 'a1',
      certificationCode: 'RNCP00000',
      blocks: ['BC01', 'BC02'],
      summary: 'summary',
      admissibility: { admissible: true, motivation: 'admissible', decidedAt: '2026-05-02T08:00:00.000Z' },
      file: { blocks: ['BC01'], description: 'dossier', submittedAt: '2026-05-03T08:00:00.000Z' },
      interview: { heldOn: '2026-06-20', memberId: 'pro', name: 'Pierre', notes: 'notes' },
    });
    expect(shown.blocks.map((b) => [b.block, b.decision, b.motivation, b.vae])).toEqual([
      ['BC01', 'validated', 'motivation', { decidedOn: 'file-and-interview', applicationId: 'a1', fileCovers: true, interviewHeldOn: '2026-06-20' }],
    ]);
    const withheld = build(() => '[withheld]');
    expect([withheld.vae!.summary, withheld.vae!.admissibility!.motivation, withheld.vae!.file!.description, withheld.vae!.interview!.notes]).toEqual(Array(4).fill('[withheld]'));
  });
});
