// Times Mermaid's own parser (mermaid.parse, the same call the oracle's
// verdict uses) on a folder of .mmd files, in one process after a warm-up,
// so that BENCHMARKS.md can compare choreo's parser with it on the same
// corpus. Needs the oracle's modules (../shared/tools/mermaid-oracle/README.md):
//
//   node bench/mermaid-parse.mjs testdata/mermaid [rounds]
//
// Prints one JSON line: files, bytes, rounds, seconds (median round),
// diagrams/s and MB/s.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2] ?? 'testdata/mermaid';
const rounds = Number(process.argv[3] ?? 5);
const cache = process.env.MERMAID_ORACLE_MODULES ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'choreo-mermaid-oracle');
const nm = fs.existsSync(path.join(cache, 'node_modules')) ? path.join(cache, 'node_modules') : cache;
const req = createRequire(path.join(nm, '_bench_.js'));

for (const k of ['log', 'info', 'debug', 'warn', 'error', 'trace']) console[k] = () => {};
const { JSDOM } = req('jsdom');
const w = new JSDOM('<!DOCTYPE html><html><body></body></html>', { pretendToBeVisual: true }).window;
w.CSS ??= {};
w.CSS.supports ??= (prop, value) => {
  const st = new w.Option().style;
  st.setProperty(prop, String(value));
  return st.getPropertyValue(prop) !== '';
};
globalThis.window = w;
globalThis.document = w.document;
for (const k of ['Option', 'Element', 'HTMLElement', 'SVGElement', 'Node', 'DOMParser', 'XMLSerializer',
  'getComputedStyle', 'MutationObserver', 'DocumentFragment']) {
  if (!(k in globalThis) && w[k]) globalThis[k] = w[k];
}
globalThis.navigator ??= w.navigator;
const mermaid = (await import(pathToFileURL(req.resolve('mermaid')).href)).default;
mermaid.initialize({ startOnLoad: false, logLevel: 'fatal' });

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mmd')).sort()
  .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
const bytes = files.reduce((n, t) => n + Buffer.byteLength(t), 0);
const once = async () => {
  for (const t of files) {
    try { await mermaid.parse(t); } catch { /* rejected diagrams count too */ }
  }
};
await once(); // warm-up: loads the sequence diagram module, JIT
const times = [];
for (let r = 0; r < rounds; r++) {
  const t0 = process.hrtime.bigint();
  await once();
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const s = times[Math.floor(times.length / 2)];
console.info = undefined;
process.stdout.write(JSON.stringify({ files: files.length, bytes, rounds, seconds: s,
  diagrams_per_s: files.length / s, mb_per_s: bytes / s / 1e6 }) + '\n');
