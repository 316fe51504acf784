/**
 * Stream names. Every stream of the log is `<category>-<id>`; the helpers of
 * each aggregate (candidateStream, sessionStream, juryStream,
 * referentialStream, the accrochage streams) are built on these, and nothing
 * else spells a stream name by hand. ('accrochage-' also begins the names of
 * the two other accrochage categories: list those by their own category.)
 */
export const STREAM_CATEGORIES = ['candidate', 'session', 'jury', 'referential', 'accrochage', 'accrochage-report', 'accrochage-manual', 'witness', 'cosignature'] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

/** The stream of `id` in `category`. */
export const streamName = (category: StreamCategory, id: string): string => `${streamPrefix(category)}${id}`;

/** What every stream name of a category starts with. */
export const streamPrefix = (category: StreamCategory): string => `${category}-`;

/** The id a stream name holds, or undefined when the stream is of another category. */
export function idOfStream(category: StreamCategory, streamId: string): string | undefined {
  const prefix = streamPrefix(category);
  return streamId.startsWith(prefix) ? streamId.slice(prefix.length) : undefined;
}
