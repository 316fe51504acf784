import * as sax from 'sax';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Strict parse (sax throws on malformed XML) into a small tree; returns the root element. */
export function parseXml(xml: string): XmlElement {
  const parser = sax.parser(true, { trim: false });
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  parser.onopentag = (node) => {
    const el: XmlElement = { name: node.name, attrs: node.attributes as Record<string, string>, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  };
  parser.ontext = (t) => (stack[stack.length - 1].text += t);
  parser.onclosetag = () => void stack.pop();
  parser.onerror = (e) => {
    throw e;
  };
  parser.write(xml).close();
  return root.children[0];
}

/** Every element with that name, depth first. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}
