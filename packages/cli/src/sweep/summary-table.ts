import type { SweepMemberState } from './sweep-state.js';

const COLUMNS = ['SAE', 'architecture', 'status', 'steps', 'FVU', 'expl. var', 'L0', 'dead'] as const;

function row(m: SweepMemberState): string[] {
  const e = m.eval;
  const num = (v: number | undefined, digits: number) => (v === undefined ? '—' : v.toFixed(digits));
  return [m.name, m.architecture, m.status, String(m.globalStep ?? 0), num(e?.fvu, 4), num(e?.explainedVariance, 4), num(e?.l0, 1), e ? `${(e.deadFraction * 100).toFixed(1)}%` : '—'];
}

/** Rows as aligned text columns: the first `left` columns flush left, the rest (numbers) flush right. */
export function alignColumns(rows: readonly (readonly string[])[], left: number): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The sweep's results as aligned text columns, for the terminal. */
export function summaryText(members: readonly SweepMemberState[]): string {
  return alignColumns([[...COLUMNS], ...members.map(row)], 3);
}

/** The same table in Markdown (summary.md), with the failures' reasons under it. */
export function summaryMarkdown(members: readonly SweepMemberState[]): string {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`, ...members.map((m) => `| ${row(m).join(' | ')} |`)];
  const failed = members.filter((m) => m.status === 'failed');
  if (failed.length) lines.push('', ...failed.map((m) => `- ${m.name} failed: ${(m.reason ?? 'unknown reason').split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}
