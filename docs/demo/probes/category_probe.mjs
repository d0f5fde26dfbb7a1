// Category zero-shot from the label hierarchy instead of the category prompt alone, on a finished demo run
// (docs/demo/unimo2-2100/report.md, "Category"). After `pnpm build`, from the repo root:
//   OUT=vlp-demo node docs/demo/probes/category_probe.mjs
// A: the demo's category prompts; B: each prompt plus its subcategories' names (B2: held-out ones left out);
// C: subcategory names alone; D: the best subcategory mapped to its category; E: the prompt plus the names of
// the category's emoji (uses the evaluation set's own labels: not zero-shot, an upper bound only).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
const dist = (p) => new URL(`../../../packages/${p}/dist/index.js`, import.meta.url).href;
const { loadModel, CATEGORY_PROMPTS, subcategoryName } = await import(dist('pretrain'));
const { vlpEmbedder } = await import(dist('tasks'));
const { loadImages } = await import(dist('vision'));
const { selectBackend } = await import(dist('tensor-core'));
await selectBackend('ort');
const OUT = process.env.OUT ?? 'vlp-demo';
const { model, tokenizer } = await loadModel(join(OUT, 'model'));
const emb = vlpEmbedder({ model, tokenizer, id: 'probe' });
const rows = (await readFile(join(OUT, 'corpus/eval.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
const ims = [];
for (let i = 0; i < rows.length; i += 256) {
  const { images } = await loadImages(rows.slice(i, i + 256).map((r) => join(OUT, 'corpus', r.image)), emb.imageLoad);
  ims.push(...(await emb.embedImages(images)));
}
const { DEMO_TEMPLATES: T } = await import(dist('cli'));
const norm = (v) => { let s = 0; for (const x of v) s += x * x; s = Math.sqrt(s); return v.map((x) => x / s); };
const mean = (vs) => norm(vs[0].map((_, j) => vs.reduce((a, v) => a + v[j], 0) / vs.length));
async function cls(texts) { // texts: list of strings -> unit mean embedding over templates
  const all = texts.flatMap((t) => T.map((tp) => tp.replace('{}', t)));
  const e = await emb.embedTexts(all);
  return mean(e.map((v) => norm(Array.from(v))));
}
const dot = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const cats = [...new Set(rows.map((r) => r.category))];
const subsOf = Object.fromEntries(cats.map((c) => [c, [...new Set(rows.filter((r) => r.category === c).map((r) => r.subcategory))]]));
const subsOfSeen = Object.fromEntries(cats.map((c) => [c, [...new Set(rows.filter((r) => r.category === c && !r.heldOut).map((r) => r.subcategory))]]));
async function acc(protos) {
  let ok = 0;
  rows.forEach((r, i) => { let b = -1, bi = -1; protos.forEach((p, k) => { const s = dot(ims[i], p); if (s > b) { b = s; bi = k; } }); if (cats[bi] === r.category) ok++; });
  return (100 * ok / rows.length).toFixed(1);
}
console.log('A current', await acc(await Promise.all(cats.map((c) => cls([CATEGORY_PROMPTS[c]])))));
console.log('B cat+subs', await acc(await Promise.all(cats.map((c) => cls([CATEGORY_PROMPTS[c], ...subsOf[c].map(subcategoryName)])))));
console.log('B2 cat+seen subs', await acc(await Promise.all(cats.map((c) => cls([CATEGORY_PROMPTS[c], ...subsOfSeen[c].map(subcategoryName)])))));
console.log('C subs only', await acc(await Promise.all(cats.map((c) => cls(subsOf[c].map(subcategoryName))))));
// D: argmax over subcategories, mapped to parent
const subList = cats.flatMap((c) => subsOf[c].map((s) => [c, s]));
const subP = await Promise.all(subList.map(([, s]) => cls([subcategoryName(s)])));
let ok = 0;
rows.forEach((r, i) => { let b = -1, bi = -1; subP.forEach((p, k) => { const s = dot(ims[i], p); if (s > b) { b = s; bi = k; } }); if (subList[bi][0] === r.category) ok++; });
console.log('D sub argmax -> parent', (100 * ok / rows.length).toFixed(1));
// E: names of all training-pair emoji? (names in eval rows = apple names = same emoji names) -- name prototypes
const byCat = Object.fromEntries(cats.map((c) => [c, rows.filter((r) => r.category === c && !r.heldOut).map((r) => r.name)]));
console.log('E cat+seen names (upper bound, uses names)', await acc(await Promise.all(cats.map((c) => cls([CATEGORY_PROMPTS[c], ...byCat[c]])))));
