import { DomainError } from '../shared/errors';
import { given } from '../testing/given-when-then';
import { referentialDecider } from './referential-decider';
import { ReferentialEvent } from './referential-state';
import seed from './seed/manager-marketing-commercial.referential.json';
import { ReferentialDocument } from './referential';

const ID = '11111111-1111-4111-8111-111111111111';
const document = JSON.parse(JSON.stringify(seed)) as ReferentialDocument;

const drafted: ReferentialEvent = { type: 'ReferentialDrafted', data: { referentialId: ID, version: 3, document } };
const published: ReferentialEvent = { type: 'ReferentialPublished', data: { referentialId: ID, code: 'RNCP00000', version: 3 } };
const retired: ReferentialEvent = { type: 'ReferentialRetired', data: { referentialId: ID, reason: 'superseded by version 4' } };

describe('referential decider', () => {
  describe('DraftReferential', () => {
    it('drafts version 1 of a certification code never drafted before', () => {
      given(referentialDecider)
        .when({ type: 'DraftReferential', data: { referentialId: ID, document } }, { earlierDrafts: 0 })
        .then([{ type: 'ReferentialDrafted', data: { referentialId: ID, version: 1, document } }]);
    });

    it('numbers a new draft of the same code after the earlier ones', () => {
      given(referentialDecider)
        .when({ type: 'DraftReferential', data: { referentialId: ID, document } }, { earlierDrafts: 2 })
        .thenMatch([{ type: 'ReferentialDrafted', data: { version: 3 } }]);
    });

    it('refuses an invalid document with every fault and its path', () => {
      const bad = JSON.parse(JSON.stringify(seed));
      delete bad.blocks[0].competences[0].criteria[1].core;
      bad.blocks[3].modalities[0].competences.push('C1');
      let caught: unknown;
      try {
        referentialDecider.decide({ type: 'DraftReferential', data: { referentialId: ID, document: bad } }, referentialDecider.initialState(), { earlierDrafts: 0 } as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      const error = caught as DomainError;
      expect(error.kind).toBe('validation');
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toEqual([
        { path: '$.blocks[0].competences[0].criteria[1].core', message: 'is required' },
        { path: '$.blocks[3].modalities[0].competences[4]', message: expect.stringContaining('belongs to block BC01') },
      ]);
      expect(error.message).toContain('$.blocks[0].competences[0].criteria[1].core');
      expect(error.message).toContain('$.blocks[3].modalities[0].competences[4]');
    });

    it('refuses to draft over an existing referential', () => {
      given(referentialDecider, [drafted])
        .when({ type: 'DraftReferential', data: { referentialId: ID, document } }, { earlierDrafts: 0 })
        .thenThrows('REFERENTIAL_EXISTS');
    });
  });

  describe('PublishReferential', () => {
    it('publishes a draft, with its code and version', () => {
      given(referentialDecider, [drafted])
        .when({ type: 'PublishReferential', data: { referentialId: ID } })
        .then([{ type: 'ReferentialPublished', data: { referentialId: ID, code: 'RNCP00000', version: 3 } }]);
    });

    it('refuses to publish twice (409)', () => {
      given(referentialDecider, [drafted, published]).when({ type: 'PublishReferential', data: { referentialId: ID } }).thenThrows('REFERENTIAL_ALREADY_PUBLISHED');
    });

    it('refuses to publish a retired draft (422)', () => {
      given(referentialDecider, [drafted, retired]).when({ type: 'PublishReferential', data: { referentialId: ID } }).thenThrows('REFERENTIAL_RETIRED');
    });

    it('refuses to publish a retired published version (422)', () => {
      given(referentialDecider, [drafted, published, retired]).when({ type: 'PublishReferential', data: { referentialId: ID } }).thenThrows('REFERENTIAL_RETIRED');
    });

    it('answers not found for a referential never drafted', () => {
      given(referentialDecider).when({ type: 'PublishReferential', data: { referentialId: ID } }).thenThrows('NOT_FOUND');
    });

    it('maps the refusals to 409 and 422', () => {
      const kindOf = (events: ReferentialEvent[]) => {
        try {
          given(referentialDecider, events).when({ type: 'PublishReferential', data: { referentialId: ID } }).events();
        } catch (error) {
          return (error as DomainError).kind;
        }
        return 'none';
      };
      expect(kindOf([drafted, published])).toBe('conflict');
      expect(kindOf([drafted, retired])).toBe('rule');
    });
  });

  describe('RetireReferential', () => {
    it('retires a published version, with the reason trimmed', () => {
      given(referentialDecider, [drafted, published])
        .when({ type: 'RetireReferential', data: { referentialId: ID, reason: '  superseded by version 4 ' } })
        .then([retired]);
    });

    it('retires a draft that will not be published', () => {
      given(referentialDecider, [drafted]).when({ type: 'RetireReferential', data: { referentialId: ID, reason: 'typo in BC02' } }).thenMatch([{ type: 'ReferentialRetired' }]);
    });

    it.each([undefined, '', '   ', 42])('refuses to retire without a reason (%p)', (reason) => {
      given(referentialDecider, [drafted]).when({ type: 'RetireReferential', data: { referentialId: ID, reason } }).thenThrows('VALIDATION_FAILED');
    });

    it('refuses a reason over 2000 characters', () => {
      given(referentialDecider, [drafted]).when({ type: 'RetireReferential', data: { referentialId: ID, reason: 'x'.repeat(2001) } }).thenThrows('VALIDATION_FAILED');
    });

    it('refuses to retire twice (409)', () => {
      given(referentialDecider, [drafted, retired]).when({ type: 'RetireReferential', data: { referentialId: ID, reason: 'again' } }).thenThrows('REFERENTIAL_ALREADY_RETIRED');
    });

    it('answers not found for a referential never drafted', () => {
      given(referentialDecider).when({ type: 'RetireReferential', data: { referentialId: ID, reason: 'x' } }).thenThrows('NOT_FOUND');
    });
  });

  it('folds the lifecycle into the state sessions read', () => {
    const state = [drafted, published].reduce(referentialDecider.evolve, referentialDecider.initialState());
    expect(state).toMatchObject({ referentialId: ID, status: 'published', version: 3, document });
    expect(referentialDecider.evolve(state, retired).status).toBe('retired');
  });
});
