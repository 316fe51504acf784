import { ApiClient } from './scenario';

/**
 * The whole sealed log as the API serves it (GET /v1/audit/events, paged),
 * after waiting for the event at `upTo` to be sealed: what a regulator sees,
 * read through the one process that may open an embedded data directory.
 */
export async function readSealedLog(reader: ApiClient, upTo?: number): Promise<Array<{ seq: number; position: number; type: string; data: any }>> {
  const entries: Array<{ seq: number; position: number; type: string; data: any }> = [];
  let after = 0;
  for (;;) {
    const page = await reader.get(`/v1/audit/events?after=${after}&limit=1000`, upTo && after === 0 ? { 'x-min-position': String(upTo) } : {});
    if (page.status !== 200) throw new Error(`GET /v1/audit/events: ${page.status} ${JSON.stringify(page.body)}`);
    for (const e of page.body) entries.push({ seq: e.seq, position: e.position, type: e.event.type, data: e.event.data });
    if (page.body.length < 1000) return entries;
    after = page.body[page.body.length - 1].seq;
  }
}
