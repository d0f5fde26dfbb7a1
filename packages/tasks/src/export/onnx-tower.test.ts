// A user-style ONNX encoder pair (not ours: NCHW pixels named `pixel_values`, int64 text inputs with other
// names, unnormalised outputs, a vocab.txt tokenizer) described by hand-written sidecars, with outputs
// computed by hand; and the errors for a missing or corrupt .onnx and a bad or mismatched sidecar.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '@vlp/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { _GraphBuilder } from './_graph.js';
import { loadOnnxEmbedder } from './onnx-embedder.js';
import { OnnxTower } from './onnx-tower.js';
import type { TowerSidecarInput } from './sidecar.js';

let dir: string;

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'red', 'apple', 'green'];

/** Image: mean over H, W of NCHW pixels, then x @ W (W [3, 2]); not normalised. */
function imageGraph(weights = [1, 0, 0, 1, 1, 1]): Uint8Array {
  const g = new _GraphBuilder({}, 17);
  const pooled = g.op('ReduceMean', ['pixel_values'], { axes: { ints: [2, 3] }, keepdims: { i: 0 } }); // [B, 3]
  const w = g.floats('visual.proj', [3, 2], new Float32Array(weights));
  g.op('MatMul', [pooled, w], {}, 'image_embeds'); // [B, 2]
  return g.build(
    'user_image',
    [{ name: 'pixel_values', dtype: 'float32', dims: ['batch', 3, 4, 4] }],
    [{ name: 'image_embeds', dtype: 'float32', dims: ['batch', 2] }],
  );
}

/** Text: sum over positions of table[ids] * mask; the [PAD] row is huge so an ignored mask shows. */
function textGraph(): Uint8Array {
  const g = new _GraphBuilder({}, 17);
  const table = new Float32Array(VOCAB.length * 2);
  VOCAB.forEach((_, i) => {
    table[i * 2] = i;
    table[i * 2 + 1] = 1;
  });
  table[0] = 100;
  table[1] = 100;
  const rows = g.op('Gather', [g.floats('token_embedding', [VOCAB.length, 2], table), 'ids'], {
    axis: { i: 0 },
  }); // [B, T, 2]
  const keep = g.op('Unsqueeze', [g.op('Cast', ['mask'], { to: { i: 1 } }), g.ints([2])]); // [B, T, 1]
  const summed = g.op('ReduceSum', [g.op('Mul', [rows, keep]), g.ints([1])], { keepdims: { i: 0 } }); // [B, 2]
  g.output(summed, 'text_embeds');
  return g.build(
    'user_text',
    [
      { name: 'ids', dtype: 'int64', dims: ['batch', 'sequence'] },
      { name: 'mask', dtype: 'int64', dims: ['batch', 'sequence'] },
    ],
    [{ name: 'text_embeds', dtype: 'float32', dims: ['batch', 2] }],
  );
}

const IMAGE_SIDECAR: TowerSidecarInput = {
  format: 'vlp-onnx-tower',
  version: 1,
  kind: 'image',
  architecture: 'user mean-pool encoder',
  opset: 17,
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch', 3, 4, 4] }],
  outputs: [{ name: 'image_embeds', dtype: 'float32', shape: ['batch', 2] }],
  embeddingOutput: 'image_embeds',
  normalized: false,
  image: {
    size: 4,
    layout: 'NCHW',
    resize: 'stretch',
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  },
};

const TEXT_SIDECAR: TowerSidecarInput = {
  format: 'vlp-onnx-tower',
  version: 1,
  kind: 'text',
  architecture: 'user bag of words',
  opset: 17,
  inputs: [
    { name: 'ids', dtype: 'int64', shape: ['batch', 'sequence'], role: 'input_ids' },
    { name: 'mask', dtype: 'int64', shape: ['batch', 'sequence'], role: 'attention_mask' },
  ],
  outputs: [{ name: 'text_embeds', dtype: 'float32', shape: ['batch', 2] }],
  embeddingOutput: 'text_embeds',
  normalized: false,
  text: { maxLength: 8, tokenizer: 'vocab.txt', vocabSize: VOCAB.length },
};

async function writePair(sub: string, image = IMAGE_SIDECAR, text = TEXT_SIDECAR): Promise<string> {
  const d = join(dir, sub);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'visual.onnx'), imageGraph());
  await writeFile(join(d, 'visual.json'), JSON.stringify(image));
  await writeFile(join(d, 'textual.onnx'), textGraph());
  await writeFile(join(d, 'textual.json'), JSON.stringify(text));
  await writeFile(join(d, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
  return d;
}

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlp-onnx-user-'));
});

describe('a user-style ONNX pair with hand-written sidecars', () => {
  it('preprocesses, lays out, tokenises and normalises as the sidecars say', async () => {
    const d = await writePair('ok');
    const embedder = await loadOnnxEmbedder({ image: join(d, 'visual.onnx'), text: join(d, 'textual.onnx') });
    expect(embedder.dim).toBe(2);
    expect(embedder.imageLoad).toEqual({ imageSize: 4, resize: 'stretch' });
    // A solid (255, 0, 51) image: normalised (x/255 - 0.5) / 0.5 = (1, -1, -0.6); mean-pooled the same;
    // @ W = (1 - 0.6, -1 - 0.6) = (0.4, -1.6). Read as NHWC it would mix channels and differ.
    const data = new Uint8Array(4 * 4 * 3);
    for (let p = 0; p < 16; p++) data.set([255, 0, 51], p * 3);
    // A left/right split image: R = 255 on the left half, B = 255 on the right: channel means (0, -1, 0).
    const split = new Uint8Array(4 * 4 * 3);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) split.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
    const images: RgbImage[] = [
      { data, width: 4, height: 4 },
      { data: split, width: 4, height: 4 },
    ];
    const [a, b] = await embedder.embedImages(images);
    const wantA = unit([0.4, -1.6]);
    const wantB = unit([0 + 0, -1 + 0]);
    expect(Array.from(a ?? [])).toEqual(wantA.map((v) => expect.closeTo(v, 6)));
    expect(Array.from(b ?? [])).toEqual(wantB.map((v) => expect.closeTo(v, 6)));
    // "red apple" -> [CLS] red apple [SEP] + 4 x [PAD] (masked): rows (2,1)+(5,1)+(6,1)+(3,1) = (16, 4).
    const [t, u] = await embedder.embedTexts(['red apple', 'green']);
    expect(Array.from(t ?? [])).toEqual(unit([16, 4]).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(u ?? [])).toEqual(unit([2 + 7 + 3, 3]).map((v) => expect.closeTo(v, 6)));
    await embedder.dispose();
    // The cache id follows the weights, not the paths: the same files give the same id, new weights another.
    const paths = { image: join(d, 'visual.onnx'), text: join(d, 'textual.onnx') };
    const again = await loadOnnxEmbedder(paths);
    expect(again.id).toBe(embedder.id);
    await again.dispose();
    await writeFile(join(d, 'visual.onnx'), imageGraph([2, 0, 0, 1, 1, 1]));
    const changed = await loadOnnxEmbedder(paths);
    expect(changed.id).not.toBe(embedder.id);
    await changed.dispose();
  });

  it('refuses towers of different embedding sizes', async () => {
    const text = {
      ...TEXT_SIDECAR,
      outputs: [{ name: 'text_embeds', dtype: 'float32' as const, shape: ['batch', 3] }],
    };
    const d = await writePair('dims', IMAGE_SIDECAR, text);
    await expect(
      loadOnnxEmbedder({ image: join(d, 'visual.onnx'), text: join(d, 'textual.onnx') }),
    ).rejects.toThrow(/ONNX towers disagree: .*visual\.onnx' embeds to 2, .*textual\.onnx' to 3/);
  });
});

/**
 * A CLIP-style text graph: one int64 input (no mask), pooled at the token before the first maximum id
 * (CLIP pools at the first <|endoftext|>, the largest id; one step back keeps the result text-dependent).
 */
function clipTextGraph(vocabSize: number): Uint8Array {
  const g = new _GraphBuilder({}, 17);
  const table = new Float32Array(vocabSize * 2);
  for (let i = 0; i < vocabSize; i++) table.set([i, 1], i * 2);
  const emb = g.op('Gather', [g.floats('token_embedding', [vocabSize, 2], table), 'input_ids'], {
    axis: { i: 0 },
  }); // [B, T, 2]
  const eot = g.op('ArgMax', ['input_ids'], { axis: { i: 1 }, keepdims: { i: 1 } }); // [B, 1]
  const before = g.op('Sub', [eot, g.ints([1], [])]); // [B, 1]
  const idx = g.op('Expand', [g.op('Unsqueeze', [before, g.ints([2])]), g.ints([1, 1, 2])]); // [B, 1, 2]
  const picked = g.op('GatherElements', [emb, idx], { axis: { i: 1 } }); // [B, 1, 2]
  g.op('Squeeze', [picked, g.ints([1])], {}, 'text_embeds'); // [B, 2]
  return g.build(
    'clip_text',
    [{ name: 'input_ids', dtype: 'int64', dims: ['batch', 77] }],
    [{ name: 'text_embeds', dtype: 'float32', dims: ['batch', 2] }],
  );
}

describe('a CLIP-style pair with a BPE tokenizer.json', () => {
  it('tokenises with CLIP BPE, pads to 77 and feeds only input_ids', async () => {
    const d = await writePair('clip');
    const vocab: Record<string, number> = {
      'a</w>': 1,
      c: 2,
      a: 3,
      't</w>': 4,
      ca: 5,
      'cat</w>': 6,
      "'": 9,
      's</w>': 10,
      "'s</w>": 11,
      '<|startoftext|>': 49406,
      '<|endoftext|>': 49407,
    };
    const merges = ['c a', 'ca t</w>', "' s</w>"];
    await writeFile(join(d, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab, merges } }));
    await writeFile(join(d, 'textual.onnx'), clipTextGraph(49408));
    const sidecar: TowerSidecarInput = {
      ...TEXT_SIDECAR,
      inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 77] }],
      text: { maxLength: 77, tokenizer: 'tokenizer.json', vocabSize: 49408, padding: 'max_length' },
    };
    await writeFile(join(d, 'textual.json'), JSON.stringify(sidecar));
    const embedder = await loadOnnxEmbedder({ image: join(d, 'visual.onnx'), text: join(d, 'textual.onnx') });
    // "a cat" -> [SOT, a</w>=1, cat</w>=6, EOT, EOT...]: the token before the first EOT is 6 -> unit(6, 1).
    // "cat's" -> [SOT, 6, 's</w>=11, EOT, ...] -> unit(11, 1).
    const [x, y] = await embedder.embedTexts(['a cat', "Cat's"]);
    expect(Array.from(x ?? [])).toEqual(unit([6, 1]).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(y ?? [])).toEqual(unit([11, 1]).map((v) => expect.closeTo(v, 6)));
    await embedder.dispose();
  });
});

describe('OnnxTower errors name the file and the problem', () => {
  it('a missing .onnx', async () => {
    const d = await writePair('missing');
    await rm(join(d, 'visual.onnx'));
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /cannot read ONNX model '.*missing\/visual\.onnx': ENOENT/,
    );
  });

  it('a corrupt .onnx', async () => {
    const d = await writePair('corrupt');
    const bytes = imageGraph();
    await writeFile(join(d, 'visual.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /invalid ONNX model '.*corrupt\/visual\.onnx': /,
    );
    await writeFile(join(d, 'visual.onnx'), 'not a protobuf at all');
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /invalid ONNX model '.*corrupt\/visual\.onnx': /,
    );
  });

  it('a missing, unparsable or invalid sidecar', async () => {
    const d = await writePair('sidecar');
    await expect(OnnxTower.load(join(d, 'nothing.onnx'))).rejects.toThrow(
      /cannot read ONNX sidecar '.*nothing\.json'/,
    );
    await writeFile(join(d, 'visual.json'), '{"format": "vlp-onnx-tower", ');
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /cannot read ONNX sidecar '.*visual\.json'/,
    );
    const bad = { ...IMAGE_SIDECAR, image: { ...IMAGE_SIDECAR.image, layout: 'HWC' } };
    await writeFile(join(d, 'visual.json'), JSON.stringify(bad));
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /invalid ONNX sidecar '.*visual\.json': image\.layout: /,
    );
  });

  it('a sidecar that does not match its graph', async () => {
    const d = await writePair('mismatch');
    const wrongInput = {
      ...IMAGE_SIDECAR,
      inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 3, 4, 4] }],
    };
    await writeFile(join(d, 'visual.json'), JSON.stringify(wrongInput));
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(
      /ONNX model '.*visual\.onnx' does not match its sidecar: no input 'pixels' \(the graph has pixel_values\)/,
    );
    const wrongOutput = { ...IMAGE_SIDECAR, embeddingOutput: 'embeds' };
    await writeFile(join(d, 'visual.json'), JSON.stringify(wrongOutput));
    await expect(OnnxTower.load(join(d, 'visual.onnx'))).rejects.toThrow(/no output 'embeds'/);
    const noTokenizer = { ...TEXT_SIDECAR, text: { ...TEXT_SIDECAR.text, tokenizer: 'gone.txt' } };
    await writeFile(join(d, 'visual.json'), JSON.stringify(IMAGE_SIDECAR));
    await writeFile(join(d, 'textual.json'), JSON.stringify(noTokenizer));
    await expect(
      loadOnnxEmbedder({ image: join(d, 'visual.onnx'), text: join(d, 'textual.onnx') }),
    ).rejects.toThrow(/cannot read tokenizer '.*mismatch\/gone\.txt': ENOENT/);
  });
});
