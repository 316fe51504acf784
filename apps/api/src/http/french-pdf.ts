import PDFDocument from 'pdfkit';

// Embedded fonts (PDF/A forbids the standard 14): DejaVu covers French and every Latin name.
const FONT_DIR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf').replace(/DejaVuSans\.ttf$/, '');
export const FONTS = { regular: `${FONT_DIR}DejaVuSans.ttf`, bold: `${FONT_DIR}DejaVuSans-Bold.ttf`, mono: `${FONT_DIR}DejaVuSansMono.ttf` };

export type PdfFont = keyof typeof FONTS;

export interface FrenchPdf {
  doc: PDFKit.PDFDocument;
  /** The whole file, once `doc.end()` was called. */
  done: Promise<Buffer>;
  left: number;
  width: number;
  /** A paragraph whose every line (not only the first) starts at `indent`. */
  para(text: string, indent?: number, font?: PdfFont, size?: number, options?: PDFKit.Mixins.TextOptions): PDFKit.PDFDocument;
}

/**
 * The one way the API's documents (the procès-verbal, the decision letters,
 * the certificates of blocks) open a PDF: A4, PDF/A-2b, tagged, in French,
 * with the embedded fonts, and the dates of `info` fixed by the caller so the
 * same content gives the same bytes.
 */
export function openFrenchPdf(info: PDFKit.DocumentInfo, margins: { top: number; bottom: number; left: number; right: number }, defaultSize = 10.5): FrenchPdf {
  const doc = new PDFDocument({ size: 'A4', margins, pdfVersion: '1.7', subset: 'PDF/A-2b', tagged: true, lang: 'fr-FR', displayTitle: true, bufferPages: true, info });
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
  return { doc, done, left, width, para };
}
