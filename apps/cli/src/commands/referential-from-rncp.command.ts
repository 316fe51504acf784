import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { findRncpFiche, normaliseFicheNumber, RncpFormatError, skeletonFromFiche } from '@app/domain/referential/rncp-import';
import { CommandInput, progress, stringFlag, UsageError } from '../command';

export async function run(input: CommandInput): Promise<number> {
  const positional = input.positionals;
  const notes = stringFlag(input, 'notes');
  if (positional.length !== 1) throw new UsageError('give exactly one export file');
  const wanted = stringFlag(input, 'fiche');
  if (!wanted) throw new UsageError('--fiche is required');
  if (!normaliseFicheNumber(wanted)) throw new UsageError(`--fiche ${wanted} is not an RNCP fiche number (RNCPnnnnn)`);
  const file = positional[0];

  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    process.stderr.write(`error: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  // Read as a stream: the real export is hundreds of MB, and the scan stops at the end of the wanted fiche.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const bar = progress(`reading ${file} (bytes)`, size);
  async function* chunks(): AsyncGenerator<string> {
    for await (const chunk of stream) {
      yield chunk as string;
      bar.update(stream.bytesRead);
    }
  }
  let scan;
  try {
    scan = await findRncpFiche(chunks(), wanted);
  } catch (error) {
    if (error instanceof RncpFormatError) {
      process.stderr.write(`error: ${file}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    stream.destroy();
  }
  bar.done(stream.bytesRead);
  if (!scan.fiche) {
    process.stderr.write(`error: fiche ${normaliseFicheNumber(wanted)} is not in ${file} (${scan.fichesSeen} fiches read)\n`);
    return 1;
  }

  const skeleton = skeletonFromFiche(scan.fiche);
  process.stdout.write(`${JSON.stringify(skeleton.document, null, 2)}\n`);
  const report = [
    `fiche ${scan.fiche.numero} "${scan.fiche.intitule}": ${skeleton.document.blocks.length} block(s), ${skeleton.document.blocks.reduce((n, b) => n + b.competences.length, 0)} competence(s) split from the export.`,
    'The skeleton is NOT a valid referential yet; to complete by hand before `referential import`:',
    ...skeleton.unstructured.map((line) => `  - ${line}`),
  ];
  if (notes) {
    await writeFile(notes, `${JSON.stringify(skeleton.notes, null, 2)}\n`, 'utf8');
    report.push(`Evaluation modalities and free-text competence lists written to ${notes}.`);
  } else {
    report.push('Evaluation modalities as written in the export (use --notes <file> to save them with the competence lists as JSON):');
    for (const block of skeleton.notes.blocks) {
      if (block.modalitesEvaluation) report.push(`  ${block.code}: ${block.modalitesEvaluation.replace(/\n/g, '\n    ')}`);
    }
  }
  process.stderr.write(`${report.join('\n')}\n`);
  return 0;
}
