import { parseProcessingReport } from './processing-report';

describe('CDC processing report reader', () => {
  it('reads a status per passage, with the reason of each rejection', () => {
    const r = parseProcessingReport(`<?xml version="1.0"?>
      <cpf:accuseTraitement xmlns:cpf="urn:cdc:cpf:pc5:schema:1.0.0"><cpf:idFlux>f1</cpf:idFlux>
        <cpf:passage><cpf:idTechnique>a1</cpf:idTechnique><cpf:statut>Accepté</cpf:statut></cpf:passage>
        <cpf:passage><cpf:idTechnique>a2</cpf:idTechnique><cpf:statut>REJETE</cpf:statut><cpf:erreurs><cpf:erreur><cpf:code>E12</cpf:code><cpf:libelle>Date de naissance incohérente</cpf:libelle></cpf:erreur></cpf:erreurs></cpf:passage>
      </cpf:accuseTraitement>`);
    expect(r).toEqual({
      fluxId: 'f1',
      results: [
        { idTechnique: 'a1', status: 'accepted', reason: null },
        { idTechnique: 'a2', status: 'rejected', reason: 'E12 Date de naissance incohérente' },
      ],
      unreadable: [],
    });
  });

  it('reads the outcome from the list a passage sits in, or from attributes', () => {
    expect(parseProcessingReport('<rapport idFlux="f2"><passagesAcceptes><passage><idTechnique>a1</idTechnique></passage></passagesAcceptes><passagesRejetes><passage><idTechnique>a2</idTechnique><motif>KO</motif></passage></passagesRejetes></rapport>')).toEqual({
      fluxId: 'f2',
      results: [
        { idTechnique: 'a1', status: 'accepted', reason: null },
        { idTechnique: 'a2', status: 'rejected', reason: 'KO' },
      ],
      unreadable: [],
    });
    expect(parseProcessingReport('<r><p idTechnique="a1" statut="OK"/><p idTechnique="a2" statut="KO" motif="nom"/></r>').results).toEqual([
      { idTechnique: 'a1', status: 'accepted', reason: null },
      { idTechnique: 'a2', status: 'rejected', reason: 'nom' },
    ]);
  });

  it('never guesses an outcome it cannot read, and refuses what is not a report', () => {
    expect(parseProcessingReport('<r><p><idTechnique>a1</idTechnique><statut>EN_COURS</statut></p></r>')).toEqual({ fluxId: null, results: [], unreadable: ['a1'] });
    expect(parseProcessingReport('<compteRenduValidation><p><idTechnique>a1</idTechnique></p></compteRenduValidation>').unreadable).toEqual(['a1']);
    expect(parseProcessingReport('<r><p><idTechnique>a1</idTechnique><message>Intégré</message></p></r>').unreadable).toEqual(['a1']); // a message alone says no outcome
    expect(() => parseProcessingReport('<r><p></r>')).toThrow(/not well-formed/);
    expect(() => parseProcessingReport('<r><p/></r>')).toThrow(/names no passage/);
    expect(() => parseProcessingReport(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)).toThrow(/not well-formed.*nesting/);
  });
});
