/**
 * Formats metrics as a two-column table in the order given:
 *
 *     metric         value
 *     auroc          0.9312
 *     fpr-at-95-tpr  0.2210
 */
export function formatMetricsTable(metrics: Readonly<Record<string, number>>): string {
  const rows = Object.entries(metrics).map(([name, value]) => [name, formatMetricValue(value)] as const);
  if (rows.length === 0) return '(no metrics)';
  const width = Math.max('metric'.length, ...rows.map(([name]) => name.length));
  const lines = [`${'metric'.padEnd(width)}  value`, ...rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`)];
  return lines.join('\n');
}

function formatMetricValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
