/** One benchmark figure next to its baseline, measured in the same run. */
export interface BenchResult {
  /** The scenario's id in `npm run bench [id…]`. */
  scenario?: string;
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  /** baseline ÷ value: 10 means Sandpit is ten times faster. */
  ratio: number;
  target?: string;
  samples?: number;
}

export function result(
  name: string,
  value: number,
  unit: string,
  baseline: { name: string; value: number },
  extra: Partial<BenchResult> = {},
): BenchResult {
  return { name, value, unit, baseline, ratio: Math.round((baseline.value / value) * 100) / 100, ...extra };
}
