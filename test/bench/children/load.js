'use strict';
/**
 * Load generator in a process of its own (so that it does not steal the API's
 * event loop): `connections` keep-alive HTTP/1.1 connections against one
 * route, each sending its next request when the previous answer is complete,
 * rotating over distinct candidate/criterion combinations. Input: a JSON file
 * path; output: one JSON line.
 *
 * It writes requests and reads answers on raw sockets, with no HTTP client
 * library: on a machine that also runs the API and the database, its CPU
 * comes out of the same cores, so it does as little as a client can
 * (docs/performance.md, "The load generator").
 */
const net = require('node:net');
const { readFileSync } = require('node:fs');

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { baseUrl, token, connections, seconds, route, candidateIds, criteria, sessionId } = plan;
const url = new URL(baseUrl);
const host = url.hostname;
const port = Number(url.port || 80);
/** An answer not complete after this long counts as a timeout; its connection is closed and opened again. */
const TIMEOUT_MS = 10_000;

let n = plan.offset || 0;
const combos = candidateIds.length * criteria.length;
const fixedHeaders = `Host: ${url.host}\r\nAuthorization: Bearer ${token}\r\n`;

/** The next request's bytes: candidates first, so that concurrent requests hit different streams. */
function nextRequest() {
  const i = n++;
  if (route !== 'scores') {
    return Buffer.from(`GET /v1/candidates/${candidateIds[i % candidateIds.length]}/progress HTTP/1.1\r\n${fixedHeaders}\r\n`, 'latin1');
  }
  // Once every combination is scored, further rounds are corrections (flipping the result).
  const candidate = candidateIds[i % candidateIds.length];
  const { criterion } = criteria[Math.floor(i / candidateIds.length) % criteria.length];
  const round = Math.floor(i / combos);
  const body = { sessionId, criterion, result: round % 2 === 0 ? 'acquired' : 'not-acquired', comment: 'Observed during the practical case study.' };
  if (round > 0) body.correctionReason = 'second reading of the evidence';
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const head = `POST /v1/candidates/${candidate}/scores HTTP/1.1\r\n${fixedHeaders}Content-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), json]);
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Where the answer at the start of `buf` ends (bytes), with its status and
 * whether the server closes the connection after it; null while incomplete.
 * Bodies come with a Content-Length or chunked.
 */
function answerIn(buf) {
  const headEnd = buf.indexOf(CRLFCRLF);
  if (headEnd < 0) return null;
  const head = buf.toString('latin1', 0, headEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const closes = /\r\nconnection:\s*close/.test(head);
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  let end = headEnd + 4;
  if (length) {
    end += Number(length[1]);
    return buf.length >= end ? { end, status, closes } : null;
  }
  if (!/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) return { end, status, closes };
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', end, 'latin1');
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString('latin1', end, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunk size in an answer');
    if (size === 0) {
      // The last chunk, then no trailers in what this API sends: an empty line.
      const finalEnd = buf.indexOf(CRLFCRLF, lineEnd, 'latin1');
      return finalEnd < 0 ? null : { end: finalEnd + 4, status, closes };
    }
    end = lineEnd + 2 + size + 2;
    if (buf.length < end) return null;
  }
}

const latencies = [];
const statusCodes = {};
let completed = 0;
let non2xx = 0;
let errors = 0;
let timeouts = 0;
let startedAt = 0;
let deadline = 0;
let open = 0;

function connection() {
  let socket = null;
  let pending = null;
  let sentAt = 0;
  let inFlight = false;

  const connect = () => {
    pending = null;
    inFlight = false;
    const s = (socket = net.connect({ host, port }));
    s.setNoDelay(true);
    s.on('connect', send);
    s.on('data', received);
    s.on('error', () => {
      errors++;
    });
    s.on('close', () => {
      // An answer lost with its connection is an error: counted by 'error' above, or here on a clean close.
      if (inFlight && !s.errored) errors++;
      if (performance.now() >= deadline) finished();
      else if (s.errored) setTimeout(connect, 10); // refused or reset: not in a tight loop
      else connect();
    });
  };

  const send = () => {
    if (performance.now() >= deadline) {
      socket.end();
      return;
    }
    inFlight = true;
    sentAt = performance.now();
    socket.write(nextRequest());
  };

  const received = (chunk) => {
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    let answer;
    try {
      answer = answerIn(pending);
    } catch {
      errors++;
      inFlight = false;
      socket.destroy();
      return;
    }
    if (!answer) return;
    const now = performance.now();
    pending = answer.end < pending.length ? pending.subarray(answer.end) : null;
    inFlight = false;
    if (now <= deadline) {
      completed++;
      latencies.push(now - sentAt);
      (statusCodes[answer.status] ??= { count: 0 }).count++;
      if (answer.status < 200 || answer.status > 299) non2xx++;
    }
    if (answer.closes) socket.end();
    else send();
  };

  const watchdog = setInterval(() => {
    if (inFlight && performance.now() - sentAt > TIMEOUT_MS) {
      timeouts++;
      inFlight = false;
      socket.destroy();
    }
  }, 1_000);

  const finished = () => {
    clearInterval(watchdog);
    if (--open === 0) report();
  };

  open++;
  connect();
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);
const ms = (v) => Math.round(v * 10) / 10;

// The generator's own CPU over the load (user + system, µs): on a machine that also runs the API and
// the database, it comes out of the same cores.
const cpuAtStart = process.cpuUsage();

function report() {
  const sorted = Float64Array.from(latencies).sort();
  process.stdout.write(JSON.stringify({
    requests: completed,
    requestsPerSec: completed / ((deadline - startedAt) / 1000),
    p50Ms: ms(percentile(sorted, 50)),
    p99Ms: ms(percentile(sorted, 99)),
    maxMs: ms(sorted.length ? sorted[sorted.length - 1] : 0),
    non2xx,
    errors,
    timeouts,
    statusCodes,
    sent: n - (plan.offset || 0),
    cpuUs: ((used) => used.user + used.system)(process.cpuUsage(cpuAtStart)),
  }) + '\n');
}

startedAt = performance.now();
deadline = startedAt + seconds * 1000;
for (let c = 0; c < connections; c++) connection();
