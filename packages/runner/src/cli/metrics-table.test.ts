import { describe, expect, it } from 'vitest';
import { formatMetricsTable } from './metrics-table.js';

describe('formatMetricsTable', () => {
  it('aligns names and rounds values to four places', () => {
    expect(formatMetricsTable({ auroc: 0.93125, 'fpr-at-95-tpr': 0.2, trainImages: 6000 }).split('\n')).toEqual([
      'metric         value',
      'auroc          0.9313',
      'fpr-at-95-tpr  0.2000',
      'trainImages    6000',
    ]);
  });

  it('says when there are no metrics', () => {
    expect(formatMetricsTable({})).toBe('(no metrics)');
  });
});
