import type PDFDocument from 'pdfkit';

// Embedded fonts (PDF/A forbids the standard 14): DejaVu covers French and every Latin name.
const FONT_DIR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf').replace(/DejaVuSans\.ttf$/, '');
export const FONTS = { regular: `${FONT_DIR}DejaVuSans.ttf`, bold: `${FONT_DIR}DejaVuSans-Bold.ttf`, mono: `${FONT_DIR}DejaVuSansMono.ttf` };

export type PdfFont = keyof typeof FONTS;

let pdfkit: typeof PDFDocument | undefined;

/**
 * pdfkit, loaded by the first document: with fontkit and its Unicode tables it
 * is about 20 MB of resident memory, which a process serving commands and
 * queries has no use for until someone asks for a procès-verbal, a letter or
 * a certificate.
 */
function pdfDocumentClass(): typeof PDFDocument {
  return (pdfkit ??= require('pdfkit') as typeof PDFDocument);
}

export interface FrenchPdf {
  doc: PDFKit.PDFDocument;
  /** The whole file, once `doc.end()` was called. */
  done: Promise<Buffer>;
  left: number;
  width: number;
  /** A paragraph whose every line (not only the first) starts at `indent`. */
  para(text: string, indent?: number, font?: PdfFont, size?: number, options?: PDFKit.Mixins.TextOptions): PDFKit.PDFDocument;
  /**
   * Writes `lines` (in mono, one under the other, `offset` points below the
   * text area) and "page n / N" at the foot of every page, then ends the
   * document: what lets a single page be matched with what it belongs to.
   */
  finish(lines: string[], offset: number): Promise<Buffer>;
}

/**
 * The one way the API's documents (the procès-verbal, the decision letters,
 * the certificates of blocks) open a PDF: A4, PDF/A-2b, tagged, in French,
 * with the embedded fonts, and the dates of `info` fixed by the caller so the
 * same content gives the same bytes.
 */
export function openFrenchPdf(info: PDFKit.DocumentInfo, margins: { top: number; bottom: number; left: number; right: number }, defaultSize = 10.5): FrenchPdf {
  const doc = new (pdfDocumentClass())({ size: 'A4', margins, pdfVersion: '1.7', subset: 'PDF/A-2b', tagged: true, lang: 'fr-FR', displayTitle: true, bufferPages: true, info });
  for (const font of Object.keys(FONTS) as PdfFont[]) doc.registerFont(font, FONTS[font]);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const para = (text: string, indent = 0, font: PdfFont = 'regular', size = defaultSize, options: PDFKit.Mixins.TextOptions = {}) =>
    doc.font(font).fontSize(size).text(text, left + indent, doc.y, { width: width - indent, ...options });
  const finish = (lines: string[], offset: number) => {
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i++) {
      doc.switchToPage(range.start + i);
      // Writing inside the bottom margin must not start a new page.
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = doc.page.height - bottom + offset;
      lines.forEach((text, k) => doc.font('mono').fontSize(6.5).text(text, left, y + k * 9, { width: width - 60, lineBreak: false }));
      doc.font('regular').fontSize(8).text(`page ${i + 1} / ${range.count}`, left + width - 60, y, { width: 60, align: 'right', lineBreak: false });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
    return done;
  };
  return { doc, done, left, width, para, finish };
}
