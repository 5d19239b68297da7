import { defaultFleetKey, type Config } from './config.ts';
import { WanxiangError } from './errors.ts';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Refuses to listen beyond loopback with the development fleet key or without admin and
 * operator tokens, unless allowInsecureDemo is set: one line naming the setting to change.
 */
export function assertSafeExposure(config: Config): void {
  if (config.allowInsecureDemo) return;
  const optIn = 'or set WX_ALLOW_INSECURE_DEMO=1 (start --insecure-demo) for a demo on a trusted network';
  const exposed = [
    ...(isLoopback(config.mqtt.host) ? [] : [`MQTT on ${config.mqtt.host}`]),
    ...(isLoopback(config.hj212.host) || config.hj212.port === -1 ? [] : [`HJ 212 on ${config.hj212.host}`]),
    ...(isLoopback(config.http.host) ? [] : [`the API on ${config.http.host}`]),
  ];
  if (exposed.length === 0) return;
  if (config.fleetKey === defaultFleetKey) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `${exposed.join(' and ')} would listen beyond loopback with the development fleet key, from which anyone can derive every seeded device's secret: set WX_FLEET_KEY to a key of your own (or leave it and WX_REGISTRY_FILE unset: start then makes one for this installation), listen on 127.0.0.1 (WX_MQTT_HOST, WX_HTTP_HOST, --host), ${optIn}`);
  }
  // Issue 18, item 17: a short key is guessed offline from any one device's secret.
  if (config.fleetKey.length < 32) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `${exposed.join(' and ')} would listen beyond loopback with a fleet key of ${config.fleetKey.length} characters: WX_FLEET_KEY must have 32 characters or more (openssl rand -base64 32), or listen on 127.0.0.1 (WX_MQTT_HOST, WX_HTTP_HOST, --host), ${optIn}`);
  }
  const roles = new Set(config.http.tokens.map((token) => token.role));
  const missing = (['admin', 'operator'] as const).filter((role) => !roles.has(role));
  if (!isLoopback(config.http.host) && missing.length > 0) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `the API would listen on ${config.http.host} without a token for ${missing.join(' and ')}: set WX_API_TOKENS=admin:TOKEN,operator:TOKEN (16 characters or more), listen on 127.0.0.1 (WX_HTTP_HOST, --host), ${optIn}`);
  }
  // Red team 9: .env.example's tokens are public; copied unchanged, they served the network an admin token anyone could read.
  const placeholders = config.http.tokens.filter((token) => token.token.toLowerCase().startsWith('change-me')).map((token) => token.name ?? token.role);
  if (!isLoopback(config.http.host) && placeholders.length > 0) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `the API would listen on ${config.http.host} with the example's placeholder token for ${placeholders.join(', ')} (change-me-…): set WX_API_TOKENS to tokens of your own (openssl rand -hex 24), listen on 127.0.0.1 (WX_HTTP_HOST, --host), ${optIn}`);
  }
}
