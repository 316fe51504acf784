import * as sax from 'sax';
import { invalid } from '@app/domain/shared/errors';
import { ReportResult } from '@app/domain/exports/accrochage-status';

/**
 * Reads the CDC's processing report (accusé de traitement) of a flux: the
 * passages it accepted and rejected, keyed by `idTechnique`, with the reason
 * of each rejection. The report is imported as received, so the reader keys
 * on meaning rather than on one layout: any element with an `idTechnique`
 * (child or attribute) is a passage; its outcome comes from a status-like
 * child or attribute (statut, etat, resultat… : ACCEPTE/OK/INTEGRE vs
 * REJETE/KO/ERREUR…) or else from the enclosing list (passagesAcceptes,
 * rejets…); its reason from motif/raison/message/libelle/erreur children.
 * Namespace prefixes are ignored. A passage whose outcome cannot be read is
 * reported back as unreadable, never guessed.
 */
export interface ParsedReport {
  fluxId: string | null;
  results: ReportResult[];
  /** idTechnique values whose outcome the report does not state in a way this reader understands. */
  unreadable: string[];
}

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  parent: El | null;
}

const MAX_DEPTH = 64;
const local = (name: string) => name.replace(/^.*:/, '');
const ACCEPTED = /^(ok|accepte|acceptee|accepted|accept|valide|validee|valid|integre|integree|traite|succes|success)$/;
const REJECTED = /^(ko|rejete|rejetee|rejected|reject|refuse|refusee|refused|erreur|error|echec|failed|failure|anomalie|invalide|invalid)$/;
const STATUS_NAMES = /^(statut|status|etat|state|resultat|result|decision|issue|statutTraitement|statutPassage|etatPassage|resultatTraitement)$/i;
const REASON_NAMES = /^(motif|motifs|motifRejet|motifsRejet|raison|raisons|reason|reasons|message|messages|libelle|libelleErreur|erreur|erreurs|error|errors|commentaire|detail|details|description|anomalie|anomalies|cause)$/i;
const ACCEPTED_LIST = /(accept|valid|integr|succes|success)/i;
const REJECTED_LIST = /(rejet|reject|refus|erreur|error|anomal|echec|fail)/i;

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

function parse(xml: string): El {
  const parser = sax.parser(true, { trim: false, xmlns: false });
  const root: El = { name: '#root', attrs: {}, children: [], text: '', parent: null };
  let current = root;
  let depth = 0;
  parser.onopentag = (node) => {
    if (++depth > MAX_DEPTH) throw new Error(`nesting deeper than ${MAX_DEPTH}`);
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(node.attributes as Record<string, string>)) attrs[local(k)] = v;
    const el: El = { name: local(node.name), attrs, children: [], text: '', parent: current };
    current.children.push(el);
    current = el;
  };
  parser.ontext = (t) => (current.text += t);
  parser.oncdata = (t) => (current.text += t);
  parser.onclosetag = () => {
    depth--;
    current = current.parent ?? root;
  };
  parser.onerror = (e) => {
    throw e;
  };
  parser.write(xml).close();
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0];
}

const allText = (el: El): string => [el.text.trim(), ...el.children.map(allText)].filter(Boolean).join(' ');

function outcomeFromValue(value: string | undefined): 'accepted' | 'rejected' | undefined {
  if (!value) return undefined;
  const v = fold(value);
  if (ACCEPTED.test(v)) return 'accepted';
  if (REJECTED.test(v) || v.startsWith('rejet') || v.startsWith('refus')) return 'rejected';
  return undefined;
}

function outcomeOf(el: El): 'accepted' | 'rejected' | undefined {
  for (const [k, v] of Object.entries(el.attrs)) if (STATUS_NAMES.test(k)) return outcomeFromValue(v);
  const status = el.children.find((c) => STATUS_NAMES.test(c.name));
  if (status) return outcomeFromValue(allText(status));
  // No status of its own: the list it sits in says it (passagesAcceptes, passagesRejetes, rejets…).
  // Only the lists near the passage: the document element's name ("rapportValidation"…) says nothing of each passage.
  for (let p = el.parent, level = 0; p && p.parent && p.parent.name !== '#root' && level < 2; p = p.parent, level++) {
    if (REJECTED_LIST.test(p.name)) return 'rejected';
    if (ACCEPTED_LIST.test(p.name)) return 'accepted';
  }
  return undefined;
}

function reasonOf(el: El): string | null {
  const parts = [
    ...Object.entries(el.attrs)
      .filter(([k]) => REASON_NAMES.test(k))
      .map(([, v]) => v.trim()),
    ...el.children.filter((c) => REASON_NAMES.test(c.name)).map(allText),
  ].filter(Boolean);
  const reason = parts.join('; ').replace(/\s+/g, ' ').trim();
  return reason ? reason.slice(0, 1000) : null;
}

export function parseProcessingReport(xml: string): ParsedReport {
  let root: El;
  try {
    root = parse(xml);
  } catch (error) {
    throw invalid(`the processing report is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  let fluxId: string | null = null;
  const byId = new Map<string, ReportResult>();
  const unreadable = new Set<string>();
  const walk = (el: El) => {
    if (el.name === 'idFlux' && fluxId === null && el.text.trim()) fluxId = el.text.trim();
    if (el.attrs.idFlux && fluxId === null) fluxId = el.attrs.idFlux.trim();
    const idChild = el.children.find((c) => c.name === 'idTechnique');
    const id = (idChild ? allText(idChild) : el.attrs.idTechnique)?.trim();
    if (id) {
      const status = outcomeOf(el);
      if (!status) unreadable.add(id);
      else {
        // The same passage listed twice: a rejection wins over an acceptance (the CDC would not hold both).
        const earlier = byId.get(id);
        if (!earlier || status === 'rejected') byId.set(id, { idTechnique: id, status, reason: status === 'rejected' ? reasonOf(el) : null });
        unreadable.delete(id);
      }
      return;
    }
    el.children.forEach(walk);
  };
  walk(root);
  if (byId.size === 0 && unreadable.size === 0) throw invalid('the processing report names no passage (no idTechnique)');
  return { fluxId, results: [...byId.values()], unreadable: [...unreadable].filter((id) => !byId.has(id)) };
}
