import { buildDashboard } from '../dashboard-kit.ts';
import { prom, stat, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';

/**
 * Platform health from the platform's own /metrics (services/metrics/metrics.ts), scraped
 * by the provisioned Prometheus. A test reads every metric name out of these expressions
 * and checks that a running platform's /metrics exposes it.
 */
export const platformDashboard: DashboardDefinition = {
  file: 'platform-health.json',
  build() {
    const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}[$__rate_interval]))`;
    return buildDashboard({
      uid: 'wanxiang-platform-health',
      title: '万象 · 平台运行状态',
      description: 'Wanxiang: platform health, from Prometheus scraping /metrics. Ingest rates, rejections by code, InfluxDB write latency, spool size, the accounting gap (readings neither written, rejected nor pending: should be 0), connections and rollups.',
      tags: ['platform', 'prometheus'],
      time: { from: 'now-6h', to: 'now' },
      refresh: '30s',
      variables: [],
      sections: [
        {
          row: '接入 Ingest',
          panels: [
            timeseries({ title: '接收速率 · Readings received /s', unit: 'reqps', targets: [prom(rate('wanxiang_readings_received_total', 'family'), '{{family}}')] }),
            timeseries({ title: '写入速率 · Readings written /s', unit: 'reqps', targets: [prom(rate('wanxiang_readings_written_total', 'family'), '{{family}}')] }),
            timeseries({ title: '拒收（按代码）· Rejections by code /s', unit: 'reqps', targets: [prom(rate('wanxiang_readings_rejected_total', 'reason'), '{{reason}}')] }),
            timeseries({ title: '质量标记 · Readings flagged /s', unit: 'reqps', targets: [prom(rate('wanxiang_readings_flagged_total', 'flag'), '{{flag}}')] }),
            stat({ title: '账目缺口 · Accounting gap', description: 'Readings received but neither written, rejected nor pending: anything above 0 is a loss to explain.', thresholds: [{ value: 1, color: 'red' }], targets: [prom('max(wanxiang_accounting_unexplained_readings)', 'gap')] }),
            stat({ title: '待写入 · Ingest queue', unit: 'none', targets: [prom('sum(wanxiang_ingest_queue_readings)', 'queue')] }),
            stat({ title: '死信 · Dead letters', calc: 'lastNotNull', targets: [prom('sum(wanxiang_dead_letters_total)', 'dead letters')] }),
            stat({ title: '在线设备 · Devices online', targets: [prom('sum(wanxiang_devices_online)', 'devices')] }),
          ],
        },
        {
          row: 'InfluxDB 写入 Writes',
          panels: [
            timeseries({
              title: '写入延迟 · Write latency (p50, p95, p99)', unit: 's',
              targets: [0.5, 0.95, 0.99].map((q) => prom(`histogram_quantile(${q}, sum by (le) (rate(wanxiang_write_duration_seconds_bucket[$__rate_interval])))`, `p${Math.round(q * 100)}`)),
            }),
            timeseries({ title: '批大小 · Readings per write (mean)', unit: 'none', targets: [prom('sum(rate(wanxiang_write_batch_readings_sum[$__rate_interval])) / sum(rate(wanxiang_write_batch_readings_count[$__rate_interval]))', 'mean')] }),
            timeseries({
              title: '重试与失败 · Retries, bisections and failures /s', unit: 'reqps',
              targets: [prom('sum(rate(wanxiang_write_retries_total[$__rate_interval]))', 'retries'), prom('sum(rate(wanxiang_write_bisections_total[$__rate_interval]))', 'bisections'), prom(rate('wanxiang_write_failures_total', 'code'), 'failed {{code}}')],
            }),
          ],
        },
        {
          row: '缓存 Spool',
          panels: [
            timeseries({ title: '缓存大小 · Spool size', unit: 'bytes', targets: [prom('sum(wanxiang_spool_bytes)', 'bytes')] }),
            timeseries({ title: '缓存记录 · Spool records', unit: 'none', targets: [prom('sum(wanxiang_spool_records)', 'records')] }),
            timeseries({ title: '缓存满等待 · Waits at the spool quota /s', unit: 'reqps', targets: [prom('sum(rate(wanxiang_spool_full_waits_total[$__rate_interval]))', 'waits')] }),
          ],
        },
        {
          row: '连接与汇总 Connections and rollups',
          panels: [
            timeseries({ title: 'MQTT连接 · MQTT clients connected', unit: 'none', targets: [prom('sum(wanxiang_mqtt_clients_connected)', 'clients')] }),
            timeseries({ title: '登录失败 · Refused logins /s', unit: 'reqps', targets: [prom(rate('wanxiang_auth_failures_total', 'code'), '{{code}}'), prom(rate('wanxiang_publishes_refused_total', 'code'), 'publish {{code}}'), prom(rate('wanxiang_api_auth_failures_total', 'code'), 'API {{code}}'), prom(rate('wanxiang_ingest_failures_total', 'code'), 'unstored {{code}}')] }),
            timeseries({ title: '汇总窗口 · Rollup windows /s', unit: 'reqps', targets: [prom(rate('wanxiang_rollup_windows_total', 'family'), '{{family}}')] }),
            timeseries({ title: '汇总耗时 · Rollup run p95', unit: 's', targets: [prom('histogram_quantile(0.95, sum by (le) (rate(wanxiang_rollup_run_seconds_bucket[$__rate_interval])))', 'p95')] }),
            timeseries({ title: '进程内存 · Resident memory', unit: 'bytes', targets: [prom('wanxiang_process_resident_memory_bytes', 'rss')] }),
          ],
        },
      ],
    });
  },
};
