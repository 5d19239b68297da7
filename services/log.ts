import { pino, type Logger } from 'pino';

/**
 * The platform's logger; secrets are redacted wherever they might appear. Logs go to stderr
 * by default, so a command's stdout carries only its output (`wanxiang report --format json | jq`).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'wanxiang' },
      redact: { paths: ['password', 'secret', '*.password', '*.secret', 'headers.authorization', 'config.fleetKey', 'config.influx.password', 'config.influx.token', 'config.http.tokens', 'token', '*.token'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
