import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface XsdFault {
  /** Local name of the element the validator complains about (namespace left out), or null when it names none. */
  element: string | null;
  line: number | null;
  message: string;
}

/**
 * Validates a flux against the certifier's XSD (the one its CDC portal
 * publishes) with libxml2 compiled to WebAssembly (xmllint-wasm): no native
 * build, same verdicts as `xmllint --schema`. Loaded on first use.
 */
export class XsdValidator {
  readonly xsd: string;
  readonly fileName: string;

  constructor(xsd: string, fileName = 'cdc.xsd') {
    this.xsd = xsd;
    this.fileName = basename(fileName);
  }

  static fromFile(path: string): XsdValidator {
    return new XsdValidator(readFileSync(path, 'utf8'), path);
  }

  async validate(xml: string): Promise<XsdFault[]> {
    const { validateXML } = await import('xmllint-wasm');
    const result = await validateXML({ xml: [{ fileName: 'flux.xml', contents: xml }], schema: [{ fileName: this.fileName, contents: this.xsd }] });
    if (result.valid) return [];
    const faults = result.errors.map((e) => ({ element: elementOf(e.message), line: e.loc?.lineNumber ?? null, message: e.message.trim() }));
    // A schema that does not compile is a fault too, but one that names no element of the flux.
    return faults.length ? faults : [{ element: null, line: null, message: result.rawOutput.trim() || 'the document does not validate against the schema' }];
  }
}

function elementOf(message: string): string | null {
  const m = /Element '(?:\{[^}]*\})?([^']+)'/.exec(message) ?? /element ([\w:.-]+):/.exec(message);
  return m ? m[1].replace(/^\w+:/, '') : null;
}

/** One line naming each faulty element, for an error message. */
export function describeFaults(faults: XsdFault[]): string {
  return faults
    .slice(0, 5)
    .map((f) => `${f.element ? `<${f.element}>` : 'document'}${f.line ? ` (line ${f.line})` : ''}: ${f.message.replace(/^.*?Schemas validity error : /, '')}`)
    .join('; ');
}
