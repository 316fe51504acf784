/**
 * Stream names. Every stream of the log is `<category>-<id>`; the helpers of
 * each aggregate (candidateStream, sessionStream, juryStream,
 * referentialStream) are built on these, and nothing else spells a stream
 * name by hand.
 */
export const STREAM_CATEGORIES = ['candidate', 'session', 'jury', 'referential'] as const;
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
