/**
 * The referential document (docs/api.md "Referential document"): what candidates
 * are evaluated against. A published version never changes; sessions pin one.
 */
export type ValidationRuleName = 'all-criteria';
export const VALIDATION_RULES: readonly ValidationRuleName[] = ['all-criteria'];

export interface CriterionDoc {
  code: string;
  text: string;
  /** Whether the criterion belongs to the core of the profession: a core criterion can never be neutralised. */
  core: boolean;
}

export interface CompetenceDoc {
  code: string;
  title: string;
  criteria: CriterionDoc[];
}

export interface TaskDoc {
  code: string;
  title: string;
}

export interface ActivityDoc {
  code: string;
  title: string;
  tasks?: TaskDoc[];
}

export interface ModalityDoc {
  code: string;
  title: string;
  work: 'group' | 'individual';
  production: Array<'written' | 'oral' | 'other'>;
  competences: string[];
}

export interface BlockDoc {
  code: string;
  title: string;
  activities?: ActivityDoc[];
  competences: CompetenceDoc[];
  modalities?: ModalityDoc[];
}

export interface ReferentialDocument {
  code: string;
  title: string;
  level?: number;
  certifier: string;
  validationRule: ValidationRuleName;
  blocks: BlockDoc[];
  /**
   * Blocks of another version (or another referential) that count for a block
   * of this one: `from.version` names a version of the same certification
   * code, `from.referentialId` any referential.
   */
  equivalences?: Array<{ from: { referentialId?: string; version?: number; block: string }; to: string }>;
  /** A capitalised block counts this many years after the closing that validated it; absent: for ever. */
  validityYears?: number;
}

export function findBlock(doc: ReferentialDocument, blockCode: string): BlockDoc | undefined {
  return doc.blocks.find((b) => b.code === blockCode);
}

export function criteriaOfBlock(doc: ReferentialDocument, blockCode: string): CriterionDoc[] {
  return findBlock(doc, blockCode)?.competences.flatMap((c) => c.criteria) ?? [];
}

/** The criterion and the block it belongs to, or undefined if the referential has no such criterion. */
export function locateCriterion(doc: ReferentialDocument, criterionCode: string): { block: BlockDoc; criterion: CriterionDoc } | undefined {
  for (const block of doc.blocks) {
    for (const competence of block.competences) {
      const criterion = competence.criteria.find((c) => c.code === criterionCode);
      if (criterion) return { block, criterion };
    }
  }
  return undefined;
}
