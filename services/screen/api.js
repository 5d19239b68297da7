// The screen's calls to the platform: same origin, JSON, the operator token from sessionStorage.
const TOKEN = 'wanxiang.operatorToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN),
  set: (value) => (value ? sessionStorage.setItem(TOKEN, value) : sessionStorage.removeItem(TOKEN)),
};

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
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
