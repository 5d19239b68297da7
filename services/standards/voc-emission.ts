/**
 * Stack limits for VOCs (GB 16297-1996 大气污染物综合排放标准, Table 2, new sources, maximum
 * permitted emission concentration, mg/m³). A provincial standard may be stricter; this is the
 * national floor the screen judges an exhaust point's latest reading by.
 */
export const vocStackLimitsMgm3 = { nmhc: 120, benzene: 12, toluene: 40, xylene: 70 } as const;

export type VocLimitKey = keyof typeof vocStackLimitsMgm3;

export interface VocVerdict {
  /** The highest share of its limit any limited species reached (1 = at the limit), or null without one. */
  readonly worstShare: number | null;
  readonly worstKey: VocLimitKey | null;
}

/** The worst of the limited species, as a share of its limit. */
export function evaluateVocStack(values: Readonly<Partial<Record<string, number>>>): VocVerdict {
  let worstShare: number | null = null;
  let worstKey: VocLimitKey | null = null;
  for (const key of Object.keys(vocStackLimitsMgm3) as VocLimitKey[]) {
    const value = values[key];
    if (value === undefined) continue;
    const share = value / vocStackLimitsMgm3[key];
    if (worstShare === null || share > worstShare) [worstShare, worstKey] = [share, key];
  }
  return { worstShare, worstKey };
}
