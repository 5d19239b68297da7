import { configFromEnv } from '../config-env.ts';
import { writeMosquittoExport, type MosquittoTls } from '../registry/mosquitto-export.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import { createTopics } from '../topics.ts';

/** `wanxiang devices export --mosquitto DIR`: the broker's password file, ACL and configuration. */
export async function exportMosquittoCommand(registry: RegistryFile, options: { dir: string; port?: number; fleetKey: string; bindAddress?: string; tls?: MosquittoTls; ingestPort?: number }): Promise<void> {
  const config = configFromEnv();
  const port = options.port ?? 1883;
  const files = await writeMosquittoExport(options.dir, {
    registry, topics: createTopics(config.mqtt.topicPrefix), fleetKey: options.fleetKey,
    ingestUser: config.cluster.brokerUsername, ingestPassword: config.cluster.brokerPassword, port,
    ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}), ...(options.tls ? { tls: options.tls } : {}), ...(options.ingestPort ? { ingestPort: options.ingestPort } : {}),
  });
  for (const id of files.skipped) {
    process.stderr.write(`WX_ERR_SECRET_NOT_DERIVABLE: ${id} left out (its secret is random: add it with mosquitto_passwd)\n`);
  }
  // Disabled devices get no login (buildMosquittoFiles), so they are not counted either.
  const written = registry.devices.filter((device) => !device.disabled).length + registry.observers.length - files.skipped.length;
  process.stdout.write(`${options.dir}: passwd (${written} logins + ${config.cluster.brokerUsername}), acl, mosquitto.conf (devices and observers ${options.bindAddress ?? '127.0.0.1'}:${port}, ingest workers port ${options.ingestPort ?? (port < 65_535 ? port + 1 : port - 1)}${options.tls ? ', TLS' : ''})\n`);
}
