import * as sax from 'sax';
import { BlockDoc, CompetenceDoc, ReferentialDocument } from './referential';

/**
 * France Compétences publishes every RNCP fiche in one XML export (format
 * v4.1, hundreds of MB). This reads it as a stream of text chunks, keeps only
 * the fields of the wanted fiche, and stops as soon as that fiche is closed:
 * memory holds one fiche at most, whatever the size of the export. It does no
 * I/O itself; the caller hands it the chunks.
 */

export interface RncpBlock {
  code: string;
  libelle: string;
  listeCompetences: string;
  modalitesEvaluation: string;
}

export interface RncpFiche {
  numero: string;
  intitule: string;
  /** NOMENCLATURE_EUROPE/NIVEAU as written, e.g. "NIV7". */
  niveau: string;
  /** "Oui" / "Non" as written; empty when absent. */
  actif: string;
  dateLimiteDelivrance: string;
  certificateurs: string[];
  blocs: RncpBlock[];
}

export interface RncpScan {
  fiche: RncpFiche | undefined;
  /** FICHE elements opened before the scan stopped (the wanted one included). */
  fichesSeen: number;
  /** The largest amount of text (characters) held at once: one fiche's fields, never the export. */
  maxRetainedChars: number;
}

export class RncpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RncpFormatError';
  }
}

/** "RNCP34567", "rncp34567" and "34567" all name fiche RNCP34567. */
export function normaliseFicheNumber(value: string): string | undefined {
  const m = /^\s*(?:RNCP)?\s*(\d{1,7})\s*$/i.exec(value);
  return m ? `RNCP${m[1]}` : undefined;
}

/** Fields kept, by their path under FICHE. */
const FIELDS: Record<string, 'numero' | 'intitule' | 'niveau' | 'actif' | 'dateLimiteDelivrance' | 'certificateur' | 'bloc.code' | 'bloc.libelle' | 'bloc.listeCompetences' | 'bloc.modalitesEvaluation'> = {
  NUMERO_FICHE: 'numero',
  INTITULE: 'intitule',
  'NOMENCLATURE_EUROPE/NIVEAU': 'niveau',
  ACTIF: 'actif',
  DATE_LIMITE_DELIVRANCE: 'dateLimiteDelivrance',
  'CERTIFICATEURS/CERTIFICATEUR/NOM_CERTIFICATEUR': 'certificateur',
  'BLOCS_COMPETENCES/BLOC_COMPETENCES/CODE': 'bloc.code',
  'BLOCS_COMPETENCES/BLOC_COMPETENCES/LIBELLE': 'bloc.libelle',
  'BLOCS_COMPETENCES/BLOC_COMPETENCES/LISTE_COMPETENCES': 'bloc.listeCompetences',
  'BLOCS_COMPETENCES/BLOC_COMPETENCES/MODALITES_EVALUATION': 'bloc.modalitesEvaluation',
};

/** Streams the export and answers the wanted fiche (or none), reading no further than its end. */
export async function findRncpFiche(chunks: AsyncIterable<string>, wanted: string): Promise<RncpScan> {
  const numero = normaliseFicheNumber(wanted);
  if (!numero) throw new RncpFormatError(`"${wanted}" is not an RNCP fiche number (RNCPnnnnn)`);
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false });
  const stack: string[] = [];
  let fichesSeen = 0;
  let sawRoot = false;
  let current: RncpFiche | null = null;
  /** Set once NUMERO_FICHE names another fiche: the rest of that fiche is skipped, not kept. */
  let skipping = false;
  let field: (typeof FIELDS)[string] | null = null;
  let fieldDepth = 0;
  let text = '';
  let retained = 0;
  let maxRetained = 0;
  let found: RncpFiche | undefined;
  let failure: Error | undefined;

  const fresh = (): RncpFiche => ({ numero: '', intitule: '', niveau: '', actif: '', dateLimiteDelivrance: '', certificateurs: [], blocs: [] });
  const ficheDepth = () => stack.lastIndexOf('FICHE');

  // The rest of the chunk that held the end of the wanted fiche is not looked at.
  parser.onopentag = (node) => {
    if (found) return;
    const name = node.name;
    if (stack.length === 0) {
      if (name !== 'FICHES') failure ??= new RncpFormatError(`the root element is <${name}>, expected <FICHES> (RNCP export v4.1)`);
      sawRoot = true;
    }
    stack.push(name);
    if (name === 'FICHE' && stack.length === 2) {
      fichesSeen++;
      current = fresh();
      skipping = false;
      retained = 0;
      return;
    }
    if (!current || skipping) return;
    if (field !== null) {
      // Unescaped HTML inside a free-text field: its text belongs to the field, its paragraphs and items become lines.
      if (/^(p|br|div|li)$/i.test(name)) text += name.toLowerCase() === 'li' ? '<li>' : '<br>';
      return;
    }
    const path = stack.slice(ficheDepth() + 1).join('/');
    if (path === 'BLOCS_COMPETENCES/BLOC_COMPETENCES') current.blocs.push({ code: '', libelle: '', listeCompetences: '', modalitesEvaluation: '' });
    field = FIELDS[path] ?? null;
    fieldDepth = stack.length;
    text = '';
  };

  const onText = (chunk: string) => {
    if (found || field === null || skipping) return;
    text += chunk;
    maxRetained = Math.max(maxRetained, retained + text.length);
  };
  parser.ontext = onText;
  parser.oncdata = onText;

  parser.onclosetag = (name) => {
    if (found) return;
    if (current && !skipping && field !== null && stack.length === fieldDepth) {
      const value = text.trim();
      retained += value.length;
      const bloc = current.blocs[current.blocs.length - 1];
      switch (field) {
        case 'numero':
          current.numero = value.toUpperCase();
          if (current.numero !== numero) skipping = true;
          break;
        case 'certificateur':
          if (value) current.certificateurs.push(value);
          break;
        case 'bloc.code':
          if (bloc) bloc.code = value;
          break;
        case 'bloc.libelle':
          if (bloc) bloc.libelle = value;
          break;
        case 'bloc.listeCompetences':
          if (bloc) bloc.listeCompetences = value;
          break;
        case 'bloc.modalitesEvaluation':
          if (bloc) bloc.modalitesEvaluation = value;
          break;
        default:
          current[field] = value;
      }
      field = null;
      text = '';
    }
    stack.pop();
    if (name === 'FICHE' && stack.length === 1 && current) {
      if (!skipping && current.numero === numero) found = current;
      current = null;
    }
  };
  parser.onerror = (error) => {
    failure ??= new RncpFormatError(`malformed XML: ${error.message.split('\n')[0]} (line ${parser.line + 1})`);
  };

  for await (const chunk of chunks) {
    parser.write(chunk);
    if (failure) throw failure;
    if (found) return { fiche: found, fichesSeen, maxRetainedChars: maxRetained };
  }
  parser.close();
  if (failure) throw failure;
  if (!sawRoot) throw new RncpFormatError('the file holds no XML element (expected <FICHES>)');
  return { fiche: found, fichesSeen, maxRetainedChars: maxRetained };
}

export interface RncpSkeleton {
  /** A referential document to complete by hand: every competence has an empty `criteria` list. */
  document: ReferentialDocument;
  /** What the export says that has no place in the document yet: evaluation modalities, free-text competence lists, dates. */
  notes: {
    fiche: string;
    actif: string;
    dateLimiteDelivrance: string;
    certificateurs: string[];
    blocks: Array<{ code: string; modalitesEvaluation: string; listeCompetences: string }>;
  };
  /** Human-readable list of what could not be structured, for stderr. */
  unstructured: string[];
}

/**
 * Turns a fiche into a referential skeleton: codes, titles, level, certifier,
 * blocks, and competences where LISTE_COMPETENCES is a list. Criteria, `core`
 * flags and modalities are the certifier's to write: the export has none.
 */
export function skeletonFromFiche(fiche: RncpFiche): RncpSkeleton {
  const unstructured: string[] = [];
  const level = /(\d)/.exec(fiche.niveau)?.[1];
  if (!level) unstructured.push(`level: NOMENCLATURE_EUROPE/NIVEAU ${fiche.niveau ? `"${fiche.niveau}" is not a level` : 'is missing'}; set "level" by hand or leave it out`);
  if (!/^oui$/i.test(fiche.actif)) unstructured.push(`fiche ${fiche.numero} is not active (ACTIF=${fiche.actif || 'missing'}): check that it can still be awarded`);
  if (fiche.certificateurs.length === 0) unstructured.push('certifier: no CERTIFICATEURS/CERTIFICATEUR/NOM_CERTIFICATEUR; fill in "certifier"');
  if (fiche.certificateurs.length > 1) unstructured.push(`certifier: the fiche names ${fiche.certificateurs.length} certifiers (${fiche.certificateurs.join('; ')}); the first is kept`);
  if (fiche.blocs.length === 0) unstructured.push('blocks: the fiche has no BLOCS_COMPETENCES; write the blocks by hand');

  let next = 1;
  const blocks: BlockDoc[] = fiche.blocs.map((bloc, i) => {
    const code = bloc.code || `BC${String(i + 1).padStart(2, '0')}`;
    if (!bloc.code) unstructured.push(`block ${i + 1}: no CODE in the export; named ${code}`);
    const items = splitList(bloc.listeCompetences);
    let competences: CompetenceDoc[] = [];
    if (items) {
      competences = items.map((title) => ({ code: `C${next++}`, title, criteria: [] }));
    } else {
      unstructured.push(
        bloc.listeCompetences
          ? `${code}: LISTE_COMPETENCES is free text, not a list: not split; write its competences by hand (the text is in the notes)`
          : `${code}: no LISTE_COMPETENCES; write its competences by hand`,
      );
    }
    if (bloc.modalitesEvaluation) unstructured.push(`${code}: MODALITES_EVALUATION is free text (in the notes): write the "modalities" (work, production, competences covered) by hand`);
    return { code, title: bloc.libelle || code, competences };
  });
  const competenceCount = blocks.reduce((n, b) => n + b.competences.length, 0);
  if (competenceCount > 0) unstructured.push(`criteria: the export has no evaluation criteria: write the "criteria" of each of the ${competenceCount} competences by hand, each with an explicit "core" flag (true when it belongs to the core of the profession and may never be neutralised)`);
  unstructured.push('validationRule: set to "all-criteria" (the only rule so far); confirm it');

  const document: ReferentialDocument = {
    code: fiche.numero,
    title: fiche.intitule,
    ...(level ? { level: Number(level) } : {}),
    certifier: fiche.certificateurs[0] ?? '',
    validationRule: 'all-criteria',
    blocks,
  };
  return {
    document,
    notes: {
      fiche: fiche.numero,
      actif: fiche.actif,
      dateLimiteDelivrance: fiche.dateLimiteDelivrance,
      certificateurs: fiche.certificateurs,
      blocks: blocks.map((b, i) => ({ code: b.code, modalitesEvaluation: plainText(fiche.blocs[i].modalitesEvaluation), listeCompetences: plainText(fiche.blocs[i].listeCompetences) })),
    },
    unstructured,
  };
}

const HTML_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '’', lsquo: '‘', laquo: '«', raquo: '»', hellip: '…', ndash: '–', mdash: '—', bull: '•',
  eacute: 'é', egrave: 'è', ecirc: 'ê', euml: 'ë', agrave: 'à', acirc: 'â', ccedil: 'ç', icirc: 'î', iuml: 'ï', ocirc: 'ô', ugrave: 'ù', ucirc: 'û', oelig: 'œ',
  Eacute: 'É', Egrave: 'È', Agrave: 'À', Ccedil: 'Ç',
};

/**
 * The export's free text often carries (escaped) HTML: paragraphs, list items
 * and line breaks become lines, other tags go, entities are decoded.
 */
export function plainText(value: string): string {
  return value
    .replace(/<\s*(br|\/p|\/li|\/div|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<\s*li[^>]*>/gi, '\n- ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return HTML_ENTITIES[name] ?? whole;
    })
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

const BULLET = /^(?:[-–—•*·▪►○◦]|\d{1,2}[.)]|[a-z][.)])\s+/i;
const MAX_TITLE = 2000;

/**
 * The items of a competence list, or undefined when it is not a list: at
 * least two lines, of which those after an introduction ("Le candidat est
 * capable de :") are bullet or one-per-line items.
 */
export function splitList(value: string): string[] | undefined {
  const lines = plainText(value).split('\n').filter(Boolean);
  if (lines.length < 2) return undefined;
  const intro = lines[0].endsWith(':') && !BULLET.test(lines[0]) ? 1 : 0;
  const items = lines.slice(intro);
  if (items.length < 2) return undefined;
  const bulleted = items.filter((l) => BULLET.test(l)).length;
  // Mixed bullets and prose is a paragraph with a dash in it, not a list.
  if (bulleted > 0 && bulleted < items.length) return undefined;
  const titles = items.map((l) => l.replace(BULLET, '').trim()).filter(Boolean);
  if (titles.length < 2 || titles.some((t) => t.length > MAX_TITLE)) return undefined;
  return titles;
}
