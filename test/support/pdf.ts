import { PDFParse } from 'pdf-parse';
import type { Test } from 'supertest';

type BodyParser = Extract<Parameters<Test['parse']>[0], (response: never, done: never) => void>;

/** A supertest parser that keeps a binary answer (a PDF) as one Buffer: `.buffer(true).parse(collectBuffer)`. */
export const collectBuffer: BodyParser = (response, done) => {
  const chunks: Buffer[] = [];
  response.on('data', (c: Buffer) => chunks.push(c));
  response.on('end', () => done(null, Buffer.concat(chunks)));
};

/** The text of a PDF, as pdf-parse extracts it. */
export async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}
