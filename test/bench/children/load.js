'use strict';
/**
 * Load generator in a process of its own (so that it does not steal the API's
 * event loop): autocannon against one route, rotating over distinct
 * candidate/criterion combinations. Input: a JSON file path; output: one JSON line.
 */
const { readFileSync } = require('node:fs');
const autocannon = require('autocannon');

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { baseUrl, token, connections, seconds, route, candidateIds, criteria, sessionId } = plan;
let n = plan.offset || 0;
const combos = candidateIds.length * criteria.length;

const scoreRequest = (req) => {
  const i = n++;
  // Candidates first, so that concurrent requests hit different streams; once every
  // combination is scored, further rounds are corrections (flipping the result).
  const candidate = candidateIds[i % candidateIds.length];
  const { criterion } = criteria[Math.floor(i / candidateIds.length) % criteria.length];
  const round = Math.floor(i / combos);
  const body = { sessionId, criterion, result: round % 2 === 0 ? 'acquired' : 'not-acquired', comment: 'Observed during the practical case study.' };
  if (round > 0) body.correctionReason = 'second reading of the evidence';
  req.path = `/v1/candidates/${candidate}/scores`;
  req.body = JSON.stringify(body);
  return req;
};
const progressRequest = (req) => {
  req.path = `/v1/candidates/${candidateIds[n++ % candidateIds.length]}/progress`;
  return req;
};

// The generator's own CPU over the load (user + system, µs): on a machine that also runs the API and
// the database, it comes out of the same cores.
const cpuAtStart = process.cpuUsage();
const instance = autocannon(
  {
    url: baseUrl,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [route === 'scores' ? { method: 'POST', setupRequest: scoreRequest } : { method: 'GET', setupRequest: progressRequest }],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    process.stdout.write(JSON.stringify({
      requests: result.requests.total,
      requestsPerSec: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
      sent: n - (plan.offset || 0),
      cpuUs: ((used) => used.user + used.system)(process.cpuUsage(cpuAtStart)),
    }) + '\n');
  },
);
instance.on('error', () => undefined);
