import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { missingProductionSettings } from '@app/platform/config';

/**
 * No Docker engine here: these are the hadolint / compose-lint rules that can
 * be checked by reading the files. (File named int-spec so that the
 * integration project, which covers test/, picks it up; it needs no database.)
 */
const root = join(__dirname, '..');
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
const compose = load(readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8')) as any;

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Joins continuation lines, drops comments and the parser directive. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!buffer && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (!buffer) start = i + 1;
    buffer += (buffer ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      const m = /^(\w+)\s+(.*)$/.exec(buffer);
      if (m) out.push({ op: m[1].toUpperCase(), args: m[2], line: start });
      buffer = '';
    }
  });
  return out;
}

const all = instructions(dockerfile);
const stages: Instruction[][] = [];
for (const ins of all) {
  if (ins.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(ins);
}
const finalStage = stages[stages.length - 1];

describe('docker/Dockerfile (hadolint-style rules)', () => {
  it('is multi-stage, every base image pinned to a version tag (DL3006, DL3007)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const stageNames = new Set(all.filter((i) => i.op === 'FROM').map((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1]).filter(Boolean));
    for (const from of all.filter((i) => i.op === 'FROM')) {
      const image = from.args.split(/\s+/)[0];
      if (stageNames.has(image)) continue;
      expect(image).toMatch(/^[a-z0-9./-]+:(\d+[\w.-]*)(@sha256:[0-9a-f]{64})?$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('never ADDs a URL (DL3020: use COPY) and uses absolute WORKDIRs (DL3000)', () => {
    for (const ins of all) {
      if (ins.op === 'ADD') expect(ins.args).not.toMatch(/https?:\/\//);
      if (ins.op === 'WORKDIR') expect(ins.args).toMatch(/^\//);
    }
    expect(all.filter((i) => i.op === 'ADD')).toEqual([]);
  });

  it('runs the final stage as a non-root user (DL3002), production dependencies only, NODE_ENV=production', () => {
    const users = finalStage.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].args).not.toMatch(/^(root|0)(:|$)/);
    const userIndex = finalStage.indexOf(users[users.length - 1]);
    const cmdIndex = finalStage.findIndex((i) => i.op === 'CMD');
    expect(userIndex).toBeLessThan(cmdIndex);
    const runs = finalStage.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    expect(runs).toMatch(/npm ci\b[^\n]*--omit=dev/);
    expect(runs).not.toMatch(/npm install/);
    expect(finalStage.some((i) => i.op === 'ENV' && /NODE_ENV=production/.test(i.args))).toBe(true);
    expect(all.filter((i) => i.op === 'RUN').some((i) => /\bsudo\b/.test(i.args))).toBe(false);
  });

  it('declares a HEALTHCHECK on /health, EXPOSE 3000, and exec-form CMD/ENTRYPOINT (DL3025)', () => {
    const health = finalStage.find((i) => i.op === 'HEALTHCHECK');
    expect(health?.args).toMatch(/\/health/);
    expect(finalStage.some((i) => i.op === 'EXPOSE' && /\b3000\b/.test(i.args))).toBe(true);
    for (const op of ['CMD', 'ENTRYPOINT']) {
      for (const ins of finalStage.filter((i) => i.op === op)) expect(() => JSON.parse(ins.args)).not.toThrow();
    }
  });

  it('copies only what exists, and the context excludes secrets and local data', () => {
    for (const ins of all.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
      const sources = ins.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
      for (const s of sources) expect(existsSync(join(root, s))).toBe(true);
    }
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', 'data', '.env', 'docker/secrets', '.git']) expect(ignore).toContain(entry);
  });
});

describe('docker/compose.yaml', () => {
  const services = compose.services as Record<string, any>;

  it('has PostgreSQL 15, the API and the projector', () => {
    expect(services.postgres.image).toMatch(/^postgres:15(\.\d+)?(-[\w.]+)?$/);
    expect(services.api).toBeDefined();
    expect(services.projector).toBeDefined();
    expect(services.postgres.volumes.some((v: string) => /:\/var\/lib\/postgresql\/data$/.test(v))).toBe(true);
  });

  it('gives every long-running service a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.restart === 'no') continue; // one-shot jobs (migrate)
      expect({ name, test: s.healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    }
  });

  it('starts services only once what they depend on is healthy or completed', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries<any>(s.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        const expected = services[dep].restart === 'no' ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, dep, condition: cond.condition }).toEqual({ name, dep, condition: expected });
      }
    }
    expect(Object.keys(services.api.depends_on)).toEqual(expect.arrayContaining(['postgres', 'migrate']));
    expect(Object.keys(services.projector.depends_on)).toEqual(expect.arrayContaining(['postgres', 'migrate']));
  });

  it('runs the projections in the projector only', () => {
    expect(String(services.api.environment.RUN_PROJECTIONS)).toBe('false');
    expect(String(services.projector.environment.RUN_PROJECTIONS)).toBe('true');
  });

  it('runs the API as npm start does, with its HTTP workers (API_WORKERS)', () => {
    expect(services.api.command).toEqual(['node', 'dist/apps/api/src/main.js']);
    expect(String(services.api.environment.API_WORKERS)).toMatch(/^\$\{API_WORKERS:-(auto|\d+)\}$|^(auto|\d+)$/);
    expect(merged(services.api).init).toBe(true); // signals reach the cluster primary, which drains its workers
  });

  it('holds no secret: passwords and keys come from secret files outside the repository', () => {
    const text = readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8');
    for (const s of Object.values<any>(services)) {
      for (const [key, value] of Object.entries<any>(s.environment ?? {})) {
        // A secret-looking variable holds a secret file path or comes from the operator's environment, never a literal.
        if (/(PASSWORD|SECRET|PRIVATE|TOKEN|_PEM)/.test(key) && !/_FILE$/.test(key)) expect({ key, value }).toEqual({ key, value: '' });
        if (/_FILE$/.test(key)) expect(String(value)).toMatch(/^\/run\/secrets\//);
      }
    }
    expect(text).not.toMatch(/postgres:\/\/[^:\s'"]+:[^@\s$'"+]+@/);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    for (const secret of Object.values<any>(compose.secrets)) expect(secret.file).toMatch(/^\.\/secrets\//);
    expect(readFileSync(join(root, 'docker', 'secrets', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });
});

/** YAML merge keys (`<<: *anchor`) as compose applies them: the anchor's keys, then the service's own on top. */
function merged(value: any): any {
  if (Array.isArray(value)) return value.map(merged);
  if (!value || typeof value !== 'object') return value;
  const { '<<': base, ...own } = value;
  const out: Record<string, unknown> = {};
  for (const b of [base ?? []].flat()) Object.assign(out, merged(b));
  for (const [k, v] of Object.entries(own)) out[k] = merged(v);
  return out;
}

describe('docker: production settings (NODE_ENV=production refuses development keys)', () => {
  const services = merged(compose.services) as Record<string, any>;
  const apps = ['migrate', 'api', 'projector'];
  const example = Object.fromEntries(
    readFileSync(join(root, 'docker', 'cert.env.example'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const imageEnv = Object.fromEntries(
    finalStage
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => i.args.split(/\s+/))
      .filter((kv) => kv.includes('='))
      .map((kv) => kv.split('=')),
  );

  it('every app service reads the operator\'s env file and gets the signing key and the KEK as secret files', () => {
    for (const name of apps) {
      const s = services[name];
      expect({ name, envFile: s.env_file }).toEqual({ name, envFile: [{ path: './cert.env', required: true }] });
      expect(s.secrets).toEqual(expect.arrayContaining(['signing_key', 'personal_data_kek', 'blind_index_key']));
      expect(s.environment).toMatchObject({ SIGNING_KEY_FILE: '/run/secrets/signing_key', PERSONAL_DATA_KEK_FILE: '/run/secrets/personal_data_kek', BLIND_INDEX_KEY_FILE: '/run/secrets/blind_index_key' });
    }
    expect(compose.secrets.personal_data_kek.file).toMatch(/^\.\/secrets\//);
    expect(readFileSync(join(root, 'docker', '.gitignore'), 'utf8')).toMatch(/^cert\.env$/m);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toMatch(/^docker\/cert\.env$/m);
  });

  it('the image alone, or compose without the env file, is not a production configuration; with the documented env file it is', () => {
    expect(imageEnv.NODE_ENV).toBe('production');
    const composeOnly = { ...imageEnv, ...services.api.environment };
    expect(missingProductionSettings(composeOnly)).toEqual(['AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY(_FILE)', 'AUTH_ISSUER', 'AUTH_AUDIENCE']);
    for (const name of apps) expect({ name, missing: missingProductionSettings({ ...imageEnv, ...example, ...services[name].environment }) }).toEqual({ name, missing: [] });
  });

  it('the example env file documents settings only, never a key or a password', () => {
    for (const [key, value] of Object.entries(example)) {
      if (/(PASSWORD|SECRET|PRIVATE|TOKEN|_PEM|KEK)/.test(key)) expect({ key, value }).toEqual({ key, value: '' });
    }
    expect(readFileSync(join(root, 'docker', 'cert.env.example'), 'utf8')).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });
});
