// Self and total time per function from a .cpuprofile (node --cpu-prof): node bench/lib/cpuprofile-summary.cjs file.cpuprofile [top]
// self and total time per function from a .cpuprofile
const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
const self = new Map(), total = new Map();
const key = n => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
for (const [id, t] of dt) {
  const n = byId.get(id); self.set(key(n), (self.get(key(n)) || 0) + t);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const k = key(byId.get(cur)); if (!seen.has(k)) { total.set(k, (total.get(k) || 0) + t); seen.add(k); } cur = parent.get(cur); }
}
const all = [...dt.values()].reduce((a, b) => a + b, 0);
const top = (m, label) => { console.log(`--- ${label}`); [...m].sort((a, b) => b[1] - a[1]).slice(0, +process.argv[3] || 25).forEach(([k, t]) => console.log((t / 1000).toFixed(1).padStart(8) + 'ms ' + (100 * t / all).toFixed(1).padStart(5) + '% ' + k)); };
top(self, 'self'); top(total, 'total');
