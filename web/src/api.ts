// The one way the catalog talks to Meshplane: the REST API under /v1/
// (docs/api.md), as a browser session (docs/web.md#sessions). The session
// cookie is HttpOnly: this code never sees it, nor the token it was made
// from. It holds only the session's CSRF token, in memory, and sends it
// with every write. Errors are AIP-193 JSON; ApiError keeps what the page
// needs to explain them: the status, the message, the violated policies and
// the fields at fault.

export interface PolicyViolation {
  policy?: string;
  scope?: string;
  effect?: string;
  message?: string;
  enforcement?: string;
}

export interface FieldViolation {
  field?: string;
  description?: string;
}

export class ApiError extends Error {
  constructor(
      readonly httpStatus: number, readonly status: string, message: string,
      readonly violations: PolicyViolation[] = [],
      readonly fields: FieldViolation[] = []) {
    super(message);
  }
}

let csrf = '';
let onUnauthenticated: () => void = () => {};

export function signedIn(): boolean {
  return csrf !== '';
}
export function onSignedOut(f: () => void) {
  onUnauthenticated = f;
}

// Turns a token into a session: the token goes once, in the Authorization
// header of this call, and is not kept.
export async function signIn(token: string): Promise<Caller> {
  const r = await call<Caller & {csrfToken: string}>(
      'POST', '/auth/session', {authorization: `Bearer ${token}`, body: ''});
  csrf = r.csrfToken;
  return r;
}

// The session of the cookie, if any (a reload, a new tab).
export async function resume(): Promise<Caller|undefined> {
  try {
    const r = await call<Caller & {csrfToken: string}>('GET', '/auth/session',
                                                       {quiet: true});
    csrf = r.csrfToken;
    return r;
  } catch {
    return undefined;
  }
}

export async function signOut(): Promise<void> {
  try {
    await call('DELETE', '/auth/session', {quiet: true});
  } finally {
    csrf = '';
  }
}

export type Query = Record<string, string|number|boolean|undefined>;

// `path` is under /v1/ and already escaped where it holds resource names
// (see `rn`).
export async function api<T>(
    method: string, path: string, opts: {query?: Query, body?: unknown} = {},
    ): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return call<T>(method, `/v1/${path}${qs ? '?' + qs : ''}`, {
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body)});
}

// A server stream (newline-delimited JSON, e.g. SimulatePolicy): every
// message, in order.
export async function apiStream<T>(method: string, path: string,
                                   body: unknown): Promise<T[]> {
  const text = await call<string>(method, `/v1/${path}`,
                                  {body: JSON.stringify(body), raw: true});
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

async function call<T>(method: string, url: string,
                       opts: {body?: string, authorization?: string,
                              quiet?: boolean, raw?: boolean} = {},
                       ): Promise<T> {
  const headers: Record<string, string> = {Accept: 'application/json'};
  if (opts.authorization) headers['Authorization'] = opts.authorization;
  else if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (opts.body) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {method, headers, body: opts.body,
                            credentials: 'same-origin', cache: 'no-store'});
  } catch {
    throw new ApiError(0, 'UNAVAILABLE',
                       'Meshplane cannot be reached. Check your connection.');
  }
  const text = await res.text();
  if (res.ok && opts.raw) return text as T;
  let json: any = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (res.ok) return json as T;
  const e = json.error ?? {};
  const violations: PolicyViolation[] = [];
  const fields: FieldViolation[] = [];
  for (const d of e.details ?? []) {
    if (Array.isArray(d.violations)) {
      for (const v of d.violations) {
        if (v.policy !== undefined) violations.push(v);
      }
    }
    if (Array.isArray(d.fieldViolations)) fields.push(...d.fieldViolations);
  }
  const err = new ApiError(res.status, e.status ?? String(res.status),
                           e.message ?? res.statusText, violations, fields);
  if (res.status === 401 && !opts.authorization && !opts.quiet) {
    csrf = '';
    onUnauthenticated();
  }
  throw err;
}

// A resource name as a URL path: each segment escaped, slashes kept.
export function rn(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

// Every page of a List call, up to `max` items.
export async function listAll<T>(path: string, field: string, query: Query = {},
                                 max = 5000): Promise<T[]> {
  const out: T[] = [];
  let pageToken = '';
  do {
    const page: any = await api('GET', path,
                                {query: {...query, pageSize: 500, pageToken}});
    out.push(...(page[field] ?? []));
    pageToken = page.nextPageToken ?? '';
  } while (pageToken && out.length < max);
  return out;
}

// A fresh request id (AIP-155) for an idempotent write.
export function requestId(): string {
  return crypto.randomUUID();
}

export interface OutputPort {
  id: string;
  name: string;
  displayName?: string;
  type?: string;
  server?: string;
  location?: string;
  description?: string;
  contract?: string;
  objectives?: Record<string, number|string>;
}
export interface InputPort {
  id: string;
  source: string;
  description?: string;
}
export interface DataProduct {
  name: string;
  displayName?: string;
  description?: string;
  ownerTeam?: string;
  lifecycle?: string;
  tier?: number;
  classification?: string;
  tags?: string[];
  labels?: Record<string, string>;
  outputPorts?: OutputPort[];
  inputPorts?: InputPort[];
  updateTime?: string;
  sunsetTime?: string;
  etag?: string;
  warnings?: {source?: string, message?: string}[];
}
export interface Domain {
  name: string;
  displayName?: string;
  description?: string;
  parent?: string;
  ownerTeam?: string;
}
export interface Team {
  name: string;
  displayName?: string;
  description?: string;
  members?: string[];
}
export interface AccessRequest {
  name: string;
  outputPort: string;
  consumer: string;
  requester: string;
  purpose?: string;
  duration?: string;
  state: string;
  grant?: string;
  reviewer?: string;
  reviewComment?: string;
  createTime?: string;
  expireTime?: string;
  etag?: string;
  decision?: {outcome?: string, violations?: PolicyViolation[]};
}
export interface Grant {
  name: string;
  outputPort: string;
  consumer: string;
  purpose?: string;
  accessRequest?: string;
  grantedBy?: string;
  createTime?: string;
  expireTime?: string;
  revokeTime?: string;
  state?: string;
}
export interface Caller {
  principal: string;
  platformAdmin?: boolean;
  teams?: string[];
}
