/** An API answer: its status, its text as sent, and that text read as JSON. */
export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/**
 * A caller of one platform's API: GET without a body, POST with one (as JSON), with the bearer
 * `token` when given. `baseUrl` is asked at each call, so a test can make the caller before its
 * platform starts. An answer that is not JSON fails the test, naming the status and the text.
 */
export function apiCaller(baseUrl: () => string) {
  return async (path: string, token?: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      throw new Error(`${path} answered ${response.status} with no JSON: ${text.slice(0, 200)}`);
    }
  };
}
