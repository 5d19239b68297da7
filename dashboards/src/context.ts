import type { TargetsFile } from '../../services/compliance/targets.ts';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { RollupSchema } from './rollup-schema.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';

/** What every dashboard is built from: the rollups' schema, the plan's targets and the registry's devices. */
export interface BuildContext {
  readonly schema: RollupSchema;
  readonly targets: TargetsFile;
  readonly devices: readonly DeviceRecord[];
}

/** One dashboard: its file name under dashboards/json and how to build it. */
export interface DashboardDefinition {
  readonly file: string;
  build(context: BuildContext): Dashboard;
}
