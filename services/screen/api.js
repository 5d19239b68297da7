// The screen's calls to the platform: same origin, JSON, the operator token from sessionStorage.
const TOKEN = 'wanxiang.operatorToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN),
  set: (value) => (value ? sessionStorage.setItem(TOKEN, value) : sessionStorage.removeItem(TOKEN)),
};

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw Object.assign(new Error(`${path}: ${response.status}`), { status: response.status });
  return response.json();
}

/** Whether this browser may read (`canRead`), and whether the platform asks for a token at all. */
export const getSession = () => getJson('/api/v1/session');

/**
 * Signs the screen in with a token: the platform answers with an HttpOnly session cookie, which
 * fetch and EventSource send from then on (same origin). True when signed in, false for a wrong token.
 */
export async function signIn(tokenText) {
  const response = await fetch('/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokenText }),
  });
  if (response.status === 204) return true;
  if (response.status === 401 || response.status === 400) return false;
  throw Object.assign(new Error(`/api/v1/session: ${response.status}`), { status: response.status });
}

export async function postJson(path, body) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const operator = token.get();
  if (operator) headers.authorization = `Bearer ${operator}`;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.message ?? String(response.status)), { code: answer.code, status: response.status });
  return answer;
}
