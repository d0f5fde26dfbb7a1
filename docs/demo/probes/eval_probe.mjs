// Re-evaluates a finished demo run's model under the variants of the protocol (docs/demo/report.md, "Class
// captions"): category from the category prompts, through the best subcategory (CHiLS), and through the
// subcategory and category prompts together; subcategory; image -> name R@1 / R@5; held-out concepts. Each
// with the picture alone (shift 0) and with the mean over its 9 shifts within +-1 px (shift 1). After
// `pnpm build`, from the repo root:
//   OUT=vlp-demo node docs/demo/probes/eval_probe.mjs        (SHIFTS=0,1 by default)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
const dist = (p) => new URL(`../../../packages/${p}/dist/index.js`, import.meta.url).href;
const { loadModel, CATEGORY_PROMPTS, subcategoryName } = await import(dist('pretrain'));
const { vlpEmbedder, shiftAveraged } = await import(dist('tasks'));
const { loadImages } = await import(dist('vision'));
const { selectBackend } = await import(dist('tensor-core'));
const { DEMO_TEMPLATES: T } = await import(dist('cli'));
await selectBackend('ort');
const OUT = process.env.OUT ?? 'vlp-demo';
const { model, tokenizer } = await loadModel(join(OUT, 'model'));
const base = vlpEmbedder({ model, tokenizer, id: 'probe' });
const rows = (await readFile(join(OUT, 'corpus/eval.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
const imgs = [];
for (let i = 0; i < rows.length; i += 256) imgs.push(...(await loadImages(rows.slice(i, i + 256).map((r) => join(OUT, 'corpus', r.image)), base.imageLoad)).images);
const norm = (v) => { let s = 0; for (const x of v) s += x * x; s = Math.sqrt(s); return Array.from(v, (x) => x / s); };
const dot = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
async function cls(texts) { const e = await base.embedTexts(texts.flatMap((t) => T.map((tp) => tp.replace('{}', t)))); const m = e[0].map((_, j) => e.reduce((a, v) => a + v[j] / Math.hypot(...v), 0)); return norm(m); }
const cats = [...new Set(rows.map((r) => r.category))];
const subs = [...new Set(rows.map((r) => r.subcategory))];
const parent = Object.fromEntries(rows.map((r) => [r.subcategory, r.category]));
const catP = await Promise.all(cats.map((c) => cls([CATEGORY_PROMPTS[c]])));
const subP = await Promise.all(subs.map((s) => cls([subcategoryName(s)])));
const names = (await base.embedTexts(rows.map((r) => r.name))).map(norm);
const argmax = (q, ps) => { let b = -9, bi = -1; ps.forEach((p, k) => { const s = dot(q, p); if (s > b) { b = s; bi = k; } }); return bi; };
for (const shift of (process.env.SHIFTS ?? '0,1').split(',').map(Number)) {
  const ims = (await shiftAveraged(base, { shift }).embedImages(imgs)).map(norm);
  const pct = (f) => (100 * rows.filter((r, i) => f(r, i)).length / rows.length).toFixed(1);
  const A = pct((r, i) => cats[argmax(ims[i], catP)] === r.category);
  const D = pct((r, i) => parent[subs[argmax(ims[i], subP)]] === r.category);
  const both = [...subP, ...catP]; const owner = [...subs.map((s) => parent[s]), ...cats];
  const D2 = pct((r, i) => owner[argmax(ims[i], both)] === r.category);
  const S = pct((r, i) => subs[argmax(ims[i], subP)] === r.subcategory);
  let r1 = 0, r5 = 0;
  ims.forEach((q, i) => { const own = dot(q, names[i]); let rank = 0; names.forEach((t, k) => { const s = dot(q, t); if (s > own || (s === own && k < i)) rank++; }); if (rank < 1) r1++; if (rank < 5) r5++; });
  const held = [...new Set(rows.filter((r) => r.heldOut).map((r) => r.subcategory))];
  const heldP = await Promise.all(held.map((s) => cls([subcategoryName(s)])));
  const hr = rows.map((r, i) => [r, i]).filter(([r]) => r.heldOut);
  const H = (100 * hr.filter(([r, i]) => held[argmax(ims[i], heldP)] === r.subcategory).length / hr.length).toFixed(1);
  console.log(`shift ${shift}: cat ${A} | cat via sub ${D} | via sub+cat ${D2} | sub ${S} | R@1 ${(100 * r1 / rows.length).toFixed(1)} R@5 ${(100 * r5 / rows.length).toFixed(1)} | held ${H}`);
}
