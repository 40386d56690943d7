/** One progress line for extraction: a bar when the total is known, tokens/s and an ETA. */
export function progressLine(p: { tokens: number; documents: number; tokensPerSecond: number; total: number | null; totalLabel: string }): string {
  const rate = `${Math.round(p.tokensPerSecond).toLocaleString('en-US')} tok/s`;
  const docs = `${p.documents.toLocaleString('en-US')} docs`;
  if (p.total === null || p.total <= 0) return `extract ${p.tokens.toLocaleString('en-US')} tokens · ${docs} · ${rate}`;
  const frac = Math.min(1, p.tokens / p.total);
  const width = 24;
  const filled = Math.round(frac * width);
  const eta = p.tokensPerSecond > 0 && frac < 1 ? ` · ETA ${formatSeconds((p.total - p.tokens) / p.tokensPerSecond)}` : '';
  return `extract [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${p.tokens.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.totalLabel} · ${docs} · ${rate}${eta}`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.ceil((s % 3600) / 60)} min`;
}
