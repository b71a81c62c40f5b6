// The REST gateway as the UI calls it: JSON in and out, the session token as a Bearer credential, the tenant
// picked by root as ?tenant=. A failure is an ApiError with the gateway's code and message.

const TOKEN = 'junction.token';
const TENANT = 'junction.tenant';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthenticated = () => {};

/** Called with the error when a call answers 401: the UI shows its login page. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function tenant() {
  return sessionStorage.getItem(TENANT) || '';
}

export function setTenant(name) {
  if (name) {
    sessionStorage.setItem(TENANT, name);
  } else {
    sessionStorage.removeItem(TENANT);
  }
}

/** A path segment: names are encoded so that nothing in them is read as a path or a query. */
export const seg = encodeURIComponent;

/**
 * Calls the gateway: `path` under /api/v1, with `query` (an object; empty values left out) and the picked tenant.
 * Answers the parsed JSON; throws an ApiError (and tells the login page on 401).
 */
export async function api(method, path, body, query = {}, headers = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') {
      params.set(k, v);
    }
  }
  if (tenant() && !('tenant' in query) && !path.startsWith('/login') && !path.startsWith('/whoami')
      && !path.startsWith('/tenants') && !path.startsWith('/logout')) {
    params.set('tenant', tenant());
  }
  const h = { Accept: 'application/json', ...headers };
  if (token() && !h.Authorization) {
    h.Authorization = 'Bearer ' + token();
  }
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
  }
  const qs = params.toString();
  let response;
  try {
    response = await fetch('/api/v1' + path + (qs ? '?' + qs : ''), {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', 'the server did not answer: ' + e.message);
  }
  let json = null;
  const text = await response.text();
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, (json && json.code) || 'HTTP_' + response.status,
        (json && json.message) || response.statusText);
    if (response.status === 401 && !path.startsWith('/login')) {
      onUnauthenticated(error);
    }
    throw error;
  }
  return json;
}

/** Logs in with a user's password (Basic user[@tenant]:password) and keeps the session token for this tab. */
export async function login(user, tenantName, password) {
  const who = tenantName ? user + '@' + tenantName : user;
  const basic = btoa(String.fromCharCode(...new TextEncoder().encode(who + ':' + password)));
  const answer = await api('POST', '/login', undefined, {}, { Authorization: 'Basic ' + basic });
  sessionStorage.setItem(TOKEN, answer.token);
  return answer;
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function logout() {
  try {
    if (token()) {
      await api('POST', '/logout');
    }
  } finally {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(TENANT);
  }
}
