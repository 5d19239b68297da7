/**
 * The column names of a lab sheet as bureaus write them, beside the English ones (issue 22 item 4):
 * Chinese names, the usual spellings of the pollutants, a unit in brackets after a name
 * (`溶解氧(mg/L)`, `PM2.5（µg/m³）`) and any case of an English name.
 */
const aliases: Readonly<Record<string, string>> = {
  // Water (GB 3838-2002 item names)
  ph: 'ph', 'ph值': 'ph', 溶解氧: 'do', do: 'do', 高锰酸盐指数: 'codmn', codmn: 'codmn', 化学需氧量: 'cod', cod: 'cod', codcr: 'cod',
  五日生化需氧量: 'bod5', bod5: 'bod5', 氨氮: 'nh3n', 'nh3-n': 'nh3n', nh3n: 'nh3n', 总磷: 'tp', tp: 'tp', 总氮: 'tn', tn: 'tn',
  水体类型: 'waterbody', 水体: 'waterbody',
  // Air (HJ 633 indicator names)
  'pm2.5': 'pm25', pm25: 'pm25', pm10: 'pm10', so2: 'so2', 二氧化硫: 'so2', no2: 'no2', 二氧化氮: 'no2', co: 'co', 一氧化碳: 'co',
  o3: 'o3', 臭氧: 'o3', 'o3-8h': 'o3_8h', 'o3_8h': 'o3_8h', 'o3-1h': 'o3_1h', 'o3_1h': 'o3_1h', 'pm10-24h': 'pm10_24h', 'pm2.5-24h': 'pm25_24h',
  // Noise and the row's identity
  leq: 'leq', lmax: 'lmax', 等效声级: 'leq', 最大声级: 'lmax', 功能区: 'zone', 时段: 'period',
  编号: 'id', 样品编号: 'id', 类型: 'kind', 日期: 'date', 采样日期: 'date', 时间: 'time',
};

/** The English column a header cell names; the cell itself when it names none (the row's schema refuses it by name). */
export function canonicalColumn(header: string): string {
  const bare = header.trim().replace(/\s*[(（][^)）]*[)）]\s*$/u, '').replace(/[₂]/gu, '2').replace(/[₃]/gu, '3').replace(/[₅]/gu, '5').replace(/[₁₀]/gu, (c) => (c === '₁' ? '1' : '0'));
  return aliases[bare.toLowerCase()] ?? aliases[bare] ?? header.trim();
}
