// Timing helpers: every figure is a median (and p95) of many runs after warm-up. Functions
// compared in one ratio are measured interleaved, round by round, so that machine noise falls
// on all of them alike.

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return { n: sorted.length, median: median(sorted), p95: at(0.95), min: sorted[0], max: sorted[sorted.length - 1] };
}

function median(sorted) {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/**
 * Runs each function of `fns` (name -> sync or async function) `warmup` times, then in rounds
 * until every one has `runs` samples or `maxMs` has passed (but at least `minRuns` rounds).
 * The order within a round rotates. Returns name -> summary (milliseconds).
 */
export async function measure(fns, { warmup = 10, runs = 100, minRuns = 5, maxMs = 5000 } = {}) {
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const start = performance.now();
  for (let round = 0; round < runs; round++) {
    if (round >= minRuns && performance.now() - start > maxMs) break;
    for (let k = 0; k < names.length; k++) {
      const n = names[(round + k) % names.length];
      const t0 = performance.now();
      const r = fns[n]();
      if (r && typeof r.then === 'function') await r;
      samples[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
}

/** Like measure() for one async step that times itself (returns milliseconds). */
export async function measureTimed(step, { warmup = 3, runs = 30, minRuns = 5, maxMs = 10000 } = {}) {
  for (let i = 0; i < warmup; i++) await step(i);
  const samples = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    if (i >= minRuns && performance.now() - start > maxMs) break;
    samples.push(await step(warmup + i));
  }
  return summarize(samples);
}
