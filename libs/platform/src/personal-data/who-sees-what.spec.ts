import { Role, ROLES } from '@app/domain/shared/decider';
import { DomainError } from '@app/domain/shared/errors';
import { CandidateTexts, ReaderScope, viewOfRole, WhoSeesWhat, widestView } from './who-sees-what';
import { PersonalDataVault, Sealed } from './vault';

const IN: ReaderScope = { assessesTheCandidate: true, judgesTheCandidate: true };
const OUT: ReaderScope = { assessesTheCandidate: false, judgesTheCandidate: false };

describe('who sees what: the table (docs/security.md)', () => {
  it('gives admins and referents everything, assessors and jury members the identity and no health text, regulators a pseudonym and no text', () => {
    expect(viewOfRole('admin', OUT)).toEqual({ identity: 'clear', health: true, personal: true });
    expect(viewOfRole('referent', OUT)).toEqual({ identity: 'clear', health: true, personal: true });
    expect(viewOfRole('assessor', IN)).toEqual({ identity: 'clear', health: false, personal: true });
    expect(viewOfRole('jury', IN)).toEqual({ identity: 'clear', health: false, personal: true });
    expect(viewOfRole('regulator', OUT)).toEqual({ identity: 'pseudonym', health: false, personal: false });
  });

  it('puts a candidate in an assessor’s or jury member’s scope only through their work', () => {
    expect(viewOfRole('assessor', OUT)).toBeNull();
    expect(viewOfRole('assessor', { assessesTheCandidate: false, judgesTheCandidate: true })).toBeNull();
    expect(viewOfRole('jury', OUT)).toBeNull();
    expect(viewOfRole('jury', { assessesTheCandidate: true, judgesTheCandidate: false })).toBeNull();
  });

  it('gives a reader with several roles the widest view their roles allow, and nothing without a role', () => {
    expect(widestView(['regulator', 'jury'], IN)).toEqual({ identity: 'clear', health: false, personal: true });
    expect(widestView(['regulator', 'jury'], OUT)).toEqual({ identity: 'pseudonym', health: false, personal: false });
    expect(widestView(['assessor', 'referent'], OUT)).toEqual({ identity: 'clear', health: true, personal: true });
    expect(widestView(['assessor', 'jury'], OUT)).toBeNull();
    expect(widestView([], IN)).toBeNull();
    for (const role of ROLES) expect(widestView([role], IN)).toEqual(viewOfRole(role, IN));
  });

  it('asks nothing of the log when the roles alone decide, and answers 403 out of scope', async () => {
    const asked: string[] = [];
    const who = new WhoSeesWhat(
      { fold: async (streamId: string) => (asked.push(streamId), { state: { assessors: ['someone-else'] } }) } as never,
      { pool: { query: async () => (asked.push('juries'), { rows: [] }) } } as never,
      {} as never,
      {} as never,
    );
    await expect(who.view({ id: 'reg', roles: ['regulator'] }, 'c1', ['s1'])).resolves.toMatchObject({ identity: 'pseudonym' });
    await expect(who.view({ id: 'adm', roles: ['admin', 'jury'] as Role[] }, 'c1', ['s1'])).resolves.toMatchObject({ health: true });
    expect(asked).toEqual([]);
    await expect(who.view({ id: 'a', roles: ['assessor'] }, 'c1', ['s1'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(who.view({ id: 'j', roles: ['jury'] }, 'c1', ['s1'])).rejects.toBeInstanceOf(DomainError);
    expect(asked).toEqual(['session-s1', 'juries']);
  });
});

describe('CandidateTexts', () => {
  const sealed = (ct: string): Sealed => ({ alg: 'A256GCM', kid: 'c1', iv: 'iv', ct, tag: 't' });
  const vault = (opened: Record<string, string | null>) => ({ openMany: async (values: Sealed[]) => values.map((v) => opened[v.ct] ?? null) }) as unknown as PersonalDataVault;
  const jury = { identity: 'clear', health: false, personal: true } as const;

  it('shows a text per its kind, withheld otherwise, erased once the key is gone', async () => {
    const texts = await new CandidateTexts(vault({ a: 'dyslexie', b: 'hésitante' }), jury, false).load([sealed('a'), sealed('b'), sealed('gone')]);
    expect(texts.show(sealed('a'), 'health')).toBe('[withheld]');
    expect(texts.show(sealed('b'), 'personal')).toBe('hésitante');
    expect(texts.show(sealed('gone'), 'personal')).toBe('[erased]');
    expect(texts.show(undefined, 'personal')).toBeNull();
  });

  it('shows a text stored in clear before texts were sealed by the same table, and erased after erasure', async () => {
    const before = new CandidateTexts(vault({}), jury, false);
    expect(before.show('dyslexie', 'health')).toBe('[withheld]');
    expect(before.show('hésitante', 'personal')).toBe('hésitante');
    const after = new CandidateTexts(vault({}), { identity: 'clear', health: true, personal: true }, true);
    expect(after.show('dyslexie de Camille Durand', 'health')).toBe('[erased]');
  });
});
