// safetensors: bit-exact round trips for every dtype, a file built byte by byte per the spec (as the Rust /
// PyTorch writer lays it out), and every kind of corruption rejected with a message naming the file.
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
  type SafetensorsDtype,
  selectBackend,
} from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './_dtypes.js';

beforeAll(() => selectBackend('cpu', { respectEnv: false }));

/** Builds a file from a header object and raw data bytes, padding the JSON with spaces as the spec says. */
function buildFile(header: Record<string, unknown>, data: number[], pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while ((8 + json.length) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + data.length);
  const n = json.length;
  for (let i = 0; i < 8; i++) out[i] = Math.floor(n / 256 ** i) % 256; // u64 little-endian, byte by byte
  for (let i = 0; i < n; i++) out[8 + i] = json.charCodeAt(i);
  out.set(data, 8 + n);
  return out;
}

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return (error as CheckpointError).message;
  }
  throw new Error('expected a CheckpointError');
}

const CASES: { dtype: SafetensorsDtype; tf: 'float32' | 'int32' | 'bool'; values: number[] }[] = [
  {
    dtype: 'F32',
    tf: 'float32',
    values: [0, -0, 1.5, Math.fround(-3.25e-39), 3.4028234663852886e38, -Infinity],
  },
  { dtype: 'F16', tf: 'float32', values: [0, 0.5, -2, 65504, 2 ** -14, 2 ** -24, Infinity] },
  { dtype: 'BF16', tf: 'float32', values: [1, -3.140625, 2 ** 100, 2 ** -130, -Infinity] },
  { dtype: 'F64', tf: 'float32', values: [0.5, -7, 2 ** -140] }, // float32-exact: narrowing is lossless
  { dtype: 'I64', tf: 'int32', values: [0, -1, 2147483647, -2147483648] },
  { dtype: 'I32', tf: 'int32', values: [7, -2147483648, 2147483647] },
  { dtype: 'I16', tf: 'int32', values: [-32768, 32767, 0] },
  { dtype: 'I8', tf: 'int32', values: [-128, 127, 3] },
  { dtype: 'U8', tf: 'int32', values: [0, 255, 17] },
  { dtype: 'BOOL', tf: 'bool', values: [1, 0, 1] },
];

describe('round trip', () => {
  it.each(CASES)('$dtype is bit-exact', async ({ dtype, tf: tfDtype, values }) => {
    const before = tf.memory().numTensors;
    const source = tf.tensor(values, [values.length], tfDtype);
    const bytes = await encodeSafetensors({ x: { tensor: source, dtype } }, { note: 'hi' });
    const decoded = decodeSafetensors(bytes);
    const x = decoded.tensors.x!;
    expect(decoded.dtypes.x).toBe(dtype);
    expect(decoded.metadata).toEqual({ note: 'hi' });
    expect(x.dtype).toBe(tfDtype);
    expect(x.shape).toEqual([values.length]);
    expect(Array.from(await x.data())).toEqual(values);
    expect(decoded.notes).toEqual(dtype === 'F64' ? ['tensor "x": F64 narrowed to float32'] : []);
    const again = await encodeSafetensors({ x: { tensor: x, dtype } }, { note: 'hi' });
    expect(again).toEqual(bytes);
    source.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps shapes, several tensors, and 8-byte header alignment', async () => {
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const b = tf.tensor1d([9, 10], 'int32');
    const empty = tf.zeros([0, 3]);
    const bytes = await encodeSafetensors({ a, b, empty });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors.a!.shape).toEqual([2, 2, 2]);
    expect(Array.from(await tensors.a!.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(await tensors.b!.data())).toEqual([9, 10]);
    expect(tensors.empty!.shape).toEqual([0, 3]);
    tf.dispose([a, b, empty, ...Object.values(tensors)]);
  });

  it('narrows F64 to the nearest float32', async () => {
    const file = buildFile({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, [
      ...new Uint8Array(new Float64Array([0.1]).buffer),
    ]);
    const { tensors, notes } = decodeSafetensors(file);
    expect(tensors.x!.dataSync()[0]).toBe(Math.fround(0.1));
    expect(notes).toEqual(['tensor "x": F64 narrowed to float32']);
    tensors.x!.dispose();
  });

  it('rounds float32 to half and bfloat16 to nearest even', () => {
    expect(f32ToF16Bits(1 / 3)).toBe(0x3555);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // rounds up past the largest half: infinity
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (zero)
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(2); // 1.5 subnormal units: ties to even (2)
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.33325195, 8);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // halfway: even mantissa stays
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway: odd mantissa rounds up
    expect(f32ToBf16Bits(Number.NaN) & 0x7fc0).toBe(0x7fc0);
  });

  it('refuses values an integer dtype cannot hold', async () => {
    const t = tf.tensor1d([1, 300], 'int32');
    await expect(encodeSafetensors({ t: { tensor: t, dtype: 'U8' } })).rejects.toThrow(
      'tensor "t": value 300 at index 1 does not fit U8',
    );
    t.dispose();
  });
});

describe('a file written byte by byte per the spec', () => {
  // What safetensors' Rust writer (used by PyTorch's save_file) produces for
  // {"bias": f32 [1, -2.5], "weight": f16 [[1, 0.5], [-2, 65504]], "step": i64 [3, -1]} with metadata.
  const header = {
    __metadata__: { format: 'pt' },
    step: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
    bias: { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
    weight: { dtype: 'F16', shape: [2, 2], data_offsets: [24, 32] },
  };
  const data = [
    ...[3, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // i64 3, -1
    ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0], // f32 1.0, -2.5
    ...[0x00, 0x3c, 0x00, 0x38, 0x00, 0xc0, 0xff, 0x7b], // f16 1.0, 0.5, -2.0, 65504
  ];

  it('loads with the right values, shapes and metadata', async () => {
    const { tensors, metadata, dtypes } = decodeSafetensors(buildFile(header, data), {
      source: 'ref.safetensors',
    });
    expect(metadata).toEqual({ format: 'pt' });
    expect(dtypes).toEqual({ step: 'I64', bias: 'F32', weight: 'F16' });
    expect(Array.from(await tensors.step!.data())).toEqual([3, -1]);
    expect(tensors.step!.dtype).toBe('int32');
    expect(Array.from(await tensors.bias!.data())).toEqual([1, -2.5]);
    expect(tensors.weight!.shape).toEqual([2, 2]);
    expect(Array.from(await tensors.weight!.data())).toEqual([1, 0.5, -2, 65504]);
    tf.dispose(Object.values(tensors));
  });

  it('also reads an unpadded header (older writers)', () => {
    const { tensors } = decodeSafetensors(buildFile(header, data, false));
    expect(Object.keys(tensors).sort()).toEqual(['bias', 'step', 'weight']);
    tf.dispose(Object.values(tensors));
  });

  it('inspects the header without decoding', () => {
    const h = readSafetensorsHeader(buildFile(header, data));
    expect(h.tensors.weight).toEqual({ dtype: 'F16', shape: [2, 2], dataOffsets: [24, 32] });
    expect(h.dataStart % 8).toBe(0);
  });

  it('rejects a truncated file, naming the file and both sizes', () => {
    const file = buildFile(header, data);
    const cut = file.subarray(0, file.length - 10);
    expect(problemOf(() => decodeSafetensors(cut, { source: 'ref.safetensors' }))).toBe(
      'ref.safetensors: truncated: header says 32 bytes of data, file has 22',
    );
    expect(problemOf(() => decodeSafetensors(file.subarray(0, 5), { source: 'f' }))).toBe(
      'f: truncated: 5 bytes, too short for the 8-byte header length',
    );
    expect(problemOf(() => decodeSafetensors(file.subarray(0, 40), { source: 'f' }))).toMatch(
      /^f: truncated: header says its JSON is \d+ bytes, file has 32 after the length$/,
    );
  });

  it('rejects an insane header length and a corrupted header', () => {
    const file = buildFile(header, data);
    const huge = file.slice();
    huge[7] = 0x01; // 2^56 bytes of JSON
    expect(problemOf(() => decodeSafetensors(huge, { source: 'f' }))).toMatch(
      /header length \d+ is not sane/,
    );
    const garbled = file.slice();
    garbled[9] = 0x7b; // '{"' -> '{{'
    expect(problemOf(() => decodeSafetensors(garbled, { source: 'f' }))).toMatch(
      /^f: header is not valid JSON/,
    );
    const notUtf8 = file.slice();
    notUtf8[12] = 0xff;
    expect(problemOf(() => decodeSafetensors(notUtf8, { source: 'f' }))).toBe('f: header is not valid UTF-8');
  });

  it('rejects bad offsets: overlap, gap, out of file, trailing bytes, size mismatch', () => {
    const withOffsets = (o: Record<string, [number, number]>) => ({
      a: { dtype: 'F32', shape: [2], data_offsets: o.a },
      b: { dtype: 'F32', shape: [2], data_offsets: o.b },
    });
    const bytes16 = new Array(16).fill(0);
    expect(
      problemOf(() => decodeSafetensors(buildFile(withOffsets({ a: [0, 8], b: [4, 12] }), bytes16))),
    ).toMatch(/tensors "a" and "b" overlap/);
    expect(
      problemOf(() =>
        decodeSafetensors(buildFile(withOffsets({ a: [0, 8], b: [12, 20] }), new Array(20).fill(0))),
      ),
    ).toMatch(/gap of 4 bytes before tensor "b"/);
    expect(
      problemOf(() =>
        decodeSafetensors(buildFile(withOffsets({ a: [0, 8], b: [8, 16] }), new Array(20).fill(0))),
      ),
    ).toMatch(/4 unexpected bytes after the last tensor/);
    expect(
      problemOf(() => decodeSafetensors(buildFile(withOffsets({ a: [0, 8], b: [8, 12] }), bytes16))),
    ).toMatch(/tensor "b": shape \[2\] F32 needs 8 bytes, data_offsets \[8, 12\] span 4/);
    expect(
      problemOf(() => decodeSafetensors(buildFile(withOffsets({ a: [0, 8], b: [8, 16] }), [0, 0]))),
    ).toMatch(/truncated: header says 16 bytes of data, file has 2/);
    expect(
      problemOf(() => decodeSafetensors(buildFile(withOffsets({ a: [8, 0], b: [8, 16] }), bytes16))),
    ).toMatch(/tensor "a": bad data_offsets \[8, 0\]/);
  });

  it('rejects unknown dtypes and I64 values that do not fit int32', () => {
    const fp8 = { x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } };
    expect(problemOf(() => decodeSafetensors(buildFile(fp8, [0])))).toMatch(
      /tensor "x": unsupported dtype "F8_E4M3"/,
    );
    const big = { x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } };
    expect(
      problemOf(() => decodeSafetensors(buildFile(big, [0, 0, 0, 0, 1, 0, 0, 0]), { source: 'f' })),
    ).toBe('f: tensor "x": I64 value 4294967296 at index 0 does not fit int32');
  });

  it('finds NaN/Inf on request, naming the tensor, and leaks no tensor when it fails', () => {
    const h = {
      ok: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      bad: { dtype: 'F16', shape: [2], data_offsets: [4, 8] },
    };
    const file = buildFile(h, [0, 0, 0x80, 0x3f, 0x00, 0x3c, 0x00, 0x7e]); // 1.0 | 1.0, NaN
    const before = tf.memory().numTensors;
    expect(problemOf(() => decodeSafetensors(file, { source: 'f', allowNonFinite: false }))).toBe(
      'f: tensor "bad" has non-finite values (NaN at index 1)',
    );
    expect(tf.memory().numTensors).toBe(before);
    const { tensors } = decodeSafetensors(file); // allowed by default
    expect(Number.isNaN(tensors.bad!.dataSync()[1])).toBe(true);
    tf.dispose(Object.values(tensors));
  });
});
