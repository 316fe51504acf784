// @ts-check
'use strict';
/**
 * How the offline verifier reads a bundle (see verify-bundle.js): lines split exactly as
 * node:readline splits them, from a file in blocks of whole lines (the per-line work in worker
 * threads for a large file), from a byte stream, or given one by one. The verdict never depends on
 * the way in: every line reaches the same BundleChecker, in file order.
 */
const os = require('node:os');
const { StringDecoder } = require('node:string_decoder');
const { isAscii } = require('node:buffer'); // Node >= 18.15; without it, blocks are decoded as UTF-8
const { LineResults, analyzeLine } = require('./bundle-checker');

/** @typedef {import('./bundle-checker').BundleChecker} BundleChecker */

// Read size; a longer line gets a larger block of its own. Small enough for a block's text to be an
// ordinary young-generation string (under V8's 128 KiB), which dies young: memory stays flat and low.
const BLOCK_BYTES = 120_000;
// Below this (about 40,000 events), starting worker threads and warming up their JIT costs about
// as much as it saves, and more on a busy machine.
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
const BLOCKS_PER_WORKER = 2; // in flight at once per worker: bounds memory, keeps every worker busy

/** Worker threads used by default for a bundle file of `size` bytes. @param {number} size */
function defaultWorkers(size) {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return size >= PARALLEL_MIN_BYTES && cores > 1 ? Math.min(cores, 8) : 0;
}

/**
 * Call `line` for each line of `text`, split as readline splits (at "\r\n", "\n" or "\r"); the
 * final piece counts as a line only if it is not empty. Stops early when `line` returns false.
 * @param {string} text @param {(line: string) => boolean} line @returns {boolean}
 */
function splitLines(text, line) {
  const n = text.length;
  let i = 0;
  if (text.indexOf('\r') === -1) {
    while (i < n) {
      let j = text.indexOf('\n', i);
      if (j === -1) j = n;
      if (!line(text.slice(i, j))) return false;
      i = j + 1;
    }
    return true;
  }
  while (i < n) {
    let j = i;
    while (j < n && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
    if (!line(text.slice(i, j))) return false;
    i = j < n - 1 && text.charCodeAt(j) === 13 && text.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
  }
  return true;
}

/**
 * Reads a file as blocks that each hold whole lines: [start, end) of a fresh buffer, ending just
 * after a line break, or at the end of the file. A "\r\n" split across two reads stays one break.
 */
class BlockReader {
  /** @param {import('node:fs').promises.FileHandle} file @param {number} blockBytes */
  constructor(file, blockBytes) {
    this.file = file;
    this.blockBytes = blockBytes;
    /** @type {Uint8Array} bytes read after the last line break, carried into the next block */
    this.carry = new Uint8Array(0);
    this.skipLF = false; // the previous block ended with "\r": a "\n" right after it belongs to it
    this.done = false;
    /** @type {ArrayBuffer[]} buffers handed back, reused */
    this.spare = [];
  }

  /** @returns {Promise<{buffer: ArrayBuffer, start: number, end: number} | null>} null at the end */
  async next() {
    while (!this.done) {
      const carried = this.carry.length;
      const size = Math.max(this.blockBytes, 2 * carried);
      const spare = size === this.blockBytes ? this.spare.pop() : undefined;
      const buf = new Uint8Array(spare || new ArrayBuffer(size));
      buf.set(this.carry, 0);
      const { bytesRead } = await this.file.read(buf, carried, size - carried, null);
      const filled = carried + bytesRead;
      let start = 0;
      if (this.skipLF && carried === 0 && filled > 0 && buf[0] === 10) start = 1;
      if (filled > 0) this.skipLF = false;
      if (bytesRead === 0) { // end of file: the last line, if it has no line break
        this.done = true;
        this.carry = new Uint8Array(0);
        if (filled > start) return { buffer: buf.buffer, start, end: filled };
        return null;
      }
      let last = filled - 1;
      while (last >= start && buf[last] !== 10 && buf[last] !== 13) last--;
      if (last < start) { // no line break yet: a long line, read on with a larger buffer
        this.carry = buf.slice(start, filled);
        continue;
      }
      this.carry = buf.slice(last + 1, filled);
      this.skipLF = buf[last] === 13 && last === filled - 1;
      return { buffer: buf.buffer, start, end: last + 1 };
    }
    return null;
  }

  /** A buffer back from a worker, to be read into again. @param {ArrayBuffer} buffer */
  recycle(buffer) {
    if (buffer.byteLength === this.blockBytes && this.spare.length < 4) this.spare.push(buffer);
  }
}

/**
 * Analyse the lines of one block (in a worker, or inline for small files).
 * @param {ArrayBuffer} buffer @param {number} start @param {number} end @param {boolean} firstBlock
 * @returns {LineResults}
 */
function analyzeBlock(buffer, start, end, firstBlock) {
  const bytes = Buffer.from(buffer, start, end - start);
  // ASCII (what an export without accented characters is) decodes alike as latin1, several times faster.
  const text = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  /** @type {string[]} */
  const lines = [];
  splitLines(text, (line) => lines.push(line) > 0);
  const results = new LineResults(lines.length);
  for (let i = 0; i < lines.length; i++) analyzeLine(lines[i], firstBlock && i === 0, results, i);
  return results;
}

/** A small file, in this thread. @param {BlockReader} reader @param {BundleChecker} checker */
async function checkFile(reader, checker) {
  for (let first = true; ; first = false) {
    const block = await reader.next();
    if (block === null) return;
    const results = analyzeBlock(block.buffer, block.start, block.end, first);
    reader.recycle(block.buffer);
    if (!checker.results(results, results.size)) return;
  }
}

/**
 * A file, with the per-line work in `count` worker threads running this same file. Blocks are
 * handed to the least busy worker and their results judged strictly in file order; at most
 * BLOCKS_PER_WORKER blocks per worker are in flight, so memory stays flat.
 * @param {BlockReader} reader @param {BundleChecker} checker @param {number} count
 */
async function checkFileInWorkers(reader, checker, count) {
  const { Worker } = require('node:worker_threads');
  /** @type {Map<number, {resolve: (r: any) => void, reject: (e: Error) => void}>} */
  const waiting = new Map();
  /** @param {Error} error */
  const failAll = (error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  const pool = Array.from({ length: count }, () => {
    // A small young generation: each line's objects die young, and peak memory then stays flat.
    const worker = new Worker(__filename, { workerData: { role: WORKER_ROLE }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const entry = { worker, busy: 0 };
    worker.on('message', (/** @type {any} */ m) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      entry.busy--;
      w.resolve(m);
    });
    worker.on('error', failAll);
    worker.on('exit', (/** @type {number} */ code) => failAll(new Error(`a verification worker stopped (exit code ${code})`)));
    return entry;
  });
  /** @type {Promise<any>[]} results, in file order */
  const queue = [];
  let id = 0;
  try {
    let reading = true;
    for (;;) {
      while (reading && queue.length < count * BLOCKS_PER_WORKER) {
        const block = await reader.next();
        if (block === null) {
          reading = false;
          break;
        }
        const entry = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
        entry.busy++;
        const task = { id, buffer: block.buffer, start: block.start, end: block.end, firstBlock: id === 0 };
        id++;
        const done = new Promise((resolve, reject) => waiting.set(task.id, { resolve, reject }));
        done.catch(() => undefined); // judged (and its error thrown) in order, below
        queue.push(done);
        entry.worker.postMessage(task, [block.buffer]);
      }
      if (queue.length === 0) return;
      const m = await queue.shift();
      reader.recycle(m.input);
      const results = new LineResults(m.size, m.buffer);
      results.texts = m.texts;
      if (!checker.results(results, m.size)) return;
    }
  } finally {
    for (const { worker } of pool) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
}

const WORKER_ROLE = 'cert-ledger-bundle/1 line analyser';

/** Worker thread: analyse the blocks it is sent, send the results (and the block's buffer) back. */
function runWorker() {
  const port = /** @type {import('node:worker_threads').MessagePort} */ (require('node:worker_threads').parentPort);
  port.on('message', (/** @type {any} */ task) => {
    const r = analyzeBlock(task.buffer, task.start, task.end, task.firstBlock);
    port.postMessage({ id: task.id, size: r.size, buffer: r.buffer, texts: r.texts, input: task.buffer }, [r.buffer, task.buffer]);
  });
}

/**
 * A readable stream of bytes (UTF-8) or strings, split into lines in this thread.
 * @param {NodeJS.ReadableStream} stream @param {BundleChecker} checker
 */
async function checkStream(stream, checker) {
  const decoder = new StringDecoder('utf8');
  const judge = (/** @type {string} */ line) => checker.line(line);
  /** @type {string[]} text read since the last line break we could use */
  let pending = [];
  /** @param {string} s @returns {boolean} */
  const feed = (s) => {
    // The last line break in s; a final "\r" does not count yet: a "\n" may follow in the next chunk.
    let cut = s.length - 1;
    if (cut >= 0 && s.charCodeAt(cut) === 13) cut--;
    while (cut >= 0 && s.charCodeAt(cut) !== 10 && s.charCodeAt(cut) !== 13) cut--;
    if (cut < 0) {
      if (s !== '') pending.push(s);
      return true;
    }
    pending.push(s.slice(0, cut + 1));
    const text = pending.join('');
    pending = cut + 1 < s.length ? [s.slice(cut + 1)] : [];
    return splitLines(text, judge);
  };
  for await (const chunk of stream) {
    if (!feed(typeof chunk === 'string' ? chunk : decoder.write(chunk))) return;
  }
  const rest = pending.join('') + decoder.end();
  if (rest !== '') splitLines(rest, judge);
}

module.exports = { BLOCK_BYTES, defaultWorkers, BlockReader, checkFile, checkFileInWorkers, checkStream };

if (!require('node:worker_threads').isMainThread && require('node:worker_threads').workerData?.role === WORKER_ROLE) {
  runWorker();
}
