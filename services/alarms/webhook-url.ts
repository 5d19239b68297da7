import { WanxiangError } from '../errors.ts';

/**
 * A webhook as logs and the dead-letter file name it: origin and path only. A WeCom robot's URL
 * carries its key (`?key=...`) and a DingTalk robot's its access token (`?access_token=...`): anyone
 * who reads either can post into the group, so no query string is ever written down (issue 18, item 9).
 */
export function webhookLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '[unparsable webhook URL]';
  }
}

/** Whether a webhook's host is on the allow-list: `host` or `host:port`, case-insensitive; no list allows every host. */
export function webhookHostAllowed(url: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts) return true;
  const { hostname, host } = new URL(url);
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed === hostname.toLowerCase() || allowed === host.toLowerCase();
  });
}

/** Refuses, before anything is sent, a webhook whose host is not on the allow-list (WX_ERR_CONFIG naming its origin and path). */
export function assertWebhookHostsAllowed(urls: readonly string[], allowedHosts: readonly string[] | undefined, setting: string): void {
  const refused = urls.filter((url) => !webhookHostAllowed(url, allowedHosts)).map(webhookLabel);
  if (refused.length > 0) throw new WanxiangError('WX_ERR_CONFIG', `webhook host not on ${setting}: ${refused.join(', ')}`);
}
