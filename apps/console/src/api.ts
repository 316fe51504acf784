/**
 * The console's only door to the API: every call carries the user's bearer
 * token, errors come back as ApiError with the API's stable `code`, and a 401
 * (token expired or revoked) sends the user back to sign-in.
 *
 * Read-your-writes: read models lag the log by a few milliseconds, so a screen
 * re-read right after a command could show the state before it. The client
 * remembers the `position` of the last command it sent and asks every later
 * read to wait for it (`X-Min-Position`, docs/api.md), so the screen always
 * shows its own writes.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  get<T>(path: string, opts?: { headers?: Record<string, string> }): Promise<{ body: T; etag: string | null; position?: number }>;
  getText(path: string): Promise<string>;
  post<T>(path: string, body: unknown, opts?: { ifMatch?: string | number; idempotencyKey?: string; headers?: Record<string, string> }): Promise<{ body: T; etag: string | null }>;
  download(path: string, filename: string): Promise<void>;
  /** The log position of the last command this client sent (0 before any): later reads wait for it. */
  readonly lastPosition: number;
}

export interface ApiClientOptions {
  /** Prefix of every path ('' when the console is served by the API it calls). */
  baseUrl?: string;
  token(): string | null;
  /** Called on any 401 after the error is raised: the shell clears the session and shows sign-in. */
  onUnauthorized(): void;
  fetch?: typeof fetch;
}

/** `"12"`, `W/"12"` or `12` → `"12"`: the quoted form If-Match expects (RFC 9110). */
export function quoteEtag(value: string | number): string {
  const raw = String(value).replace(/^W\//, '');
  return raw.startsWith('"') ? raw : `"${raw}"`;
}

/** The stream version an ETag names (`"12"` → 12), or null when it is not a version. */
export function versionOf(etag: string | null): number | null {
  if (!etag) return null;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return m ? Number(m[1]) : null;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let lastPosition = 0;

  const headersFor = (extra?: Record<string, string>): Record<string, string> => {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  };

  const readHeaders = (extra?: Record<string, string>) => headersFor({ ...(lastPosition > 0 ? { 'x-min-position': String(lastPosition) } : {}), ...extra });

  const fail = async (res: Response): Promise<never> => {
    let body: { code?: unknown; message?: unknown; details?: unknown } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // A proxy's HTML error page: the status alone speaks.
    }
    const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
    const error = new ApiError(res.status, code, typeof body.message === 'string' ? body.message : res.statusText, body.details);
    if (res.status === 401) queueMicrotask(() => options.onUnauthorized());
    throw error;
  };

  const send = async (path: string, init: RequestInit): Promise<Response> => {
    let res: Response;
    try {
      res = await doFetch(base + path, init);
    } catch {
      throw new ApiError(0, 'NETWORK', 'the API cannot be reached');
    }
    if (!res.ok) await fail(res);
    return res;
  };

  return {
    get lastPosition() {
      return lastPosition;
    },
    async get<T>(path: string, opts: { headers?: Record<string, string> } = {}) {
      const waited = lastPosition > 0 ? lastPosition : undefined;
      const res = await send(path, { headers: readHeaders(opts.headers) });
      return { body: (await res.json()) as T, etag: res.headers.get('etag'), position: waited };
    },
    async getText(path: string) {
      const res = await send(path, { headers: readHeaders({ accept: 'text/plain, text/csv, */*' }) });
      return res.text();
    },
    async post<T>(path: string, body: unknown, opts: { ifMatch?: string | number; idempotencyKey?: string; headers?: Record<string, string> } = {}) {
      const headers = headersFor({ 'content-type': 'application/json', ...opts.headers });
      if (opts.ifMatch !== undefined) headers['if-match'] = quoteEtag(opts.ifMatch);
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      const res = await send(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
      const answer = (await res.json()) as T;
      const position = (answer as { position?: unknown } | null)?.position;
      if (typeof position === 'number' && position > lastPosition) lastPosition = position;
      return { body: answer, etag: res.headers.get('etag') };
    },
    async download(path: string, filename: string) {
      const res = await send(path, { headers: readHeaders({ accept: '*/*' }) });
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.appendChild(link);
      link.click();
      link.remove();
      // The browser has taken the blob once the click is handled; keep it a little for slow machines.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
  };
}
