// The safetensors format (huggingface/safetensors), in memory: an 8-byte little-endian u64 header length N,
// N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`
// padded with spaces to 8-byte alignment, then the data buffer (little-endian, C order, offsets relative to
// its start). The reader validates everything the Rust reference does (sane header size, valid JSON, known
// dtypes, shape x dtype size == byte span, no overlaps, no gaps, no trailing bytes) and names the file.
import * as tf from '@tensorflow/tfjs-core';
import {
  DTYPE_BYTES,
  DTYPE_TF,
  decodeElements,
  encodeElements,
  isSafetensorsDtype,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
} from './_dtypes.js';
import { CheckpointError } from './errors.js';

export type { SafetensorsDtype } from './_dtypes.js';

/** The same 100 MB ceiling on the JSON header as the Rust reader: a larger length means a corrupt file. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/** A tensor to store in a chosen file dtype (e.g. a float32 tensor saved as BF16 to halve the size). */
export interface SafetensorsEntry {
  tensor: tf.Tensor;
  dtype: SafetensorsDtype;
}

/** One header entry, as found in the file. */
export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** A validated header: where each tensor's bytes are, and the string metadata. */
export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file (8 + N). */
  dataStart: number;
}

/** Options for decoding. */
export interface DecodeSafetensorsOptions {
  /** File name used in error messages (default '<bytes>'). */
  source?: string;
  /** When false, a NaN or +-Inf in any float tensor is an error naming the tensor (default true). */
  allowNonFinite?: boolean;
}

/** Decoded tensors (owned by the caller: dispose them), metadata, and each tensor's dtype in the file. */
export interface DecodedSafetensors {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
  dtypes: Record<string, SafetensorsDtype>;
  /** Lossy conversions made while reading (F64 narrowed to float32). */
  notes: string[];
}

const DEFAULT_DTYPE: Partial<Record<tf.DataType, SafetensorsDtype>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

function isEntry(value: tf.Tensor | SafetensorsEntry): value is SafetensorsEntry {
  return 'tensor' in value && 'dtype' in value && !(value instanceof tf.Tensor);
}

/**
 * Serialises tensors to safetensors bytes. float32/int32/bool tensors keep their type unless an entry asks
 * for another (`{tensor, dtype: 'F16'}`); integer dtypes reject values they cannot hold. Tensors are laid
 * out largest element size first, then by name, so every tensor starts aligned (as the Rust writer does).
 * Async because GPU backends read tensors back asynchronously.
 *
 * @example
 * ```ts
 * const bytes = await encodeSafetensors({ 'fc.weight': w, 'fc.bias': { tensor: b, dtype: 'F16' } },
 *   { format: 'pt' });
 * ```
 */
export async function encodeSafetensors(
  tensors: Record<string, tf.Tensor | SafetensorsEntry>,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const items: { name: string; tensor: tf.Tensor; dtype: SafetensorsDtype; bytes: number }[] = [];
  for (const [name, value] of Object.entries(tensors)) {
    if (name === METADATA_KEY)
      throw new CheckpointError('<encode>', `"${METADATA_KEY}" cannot name a tensor`);
    const tensor = isEntry(value) ? value.tensor : value;
    const dtype = isEntry(value) ? value.dtype : DEFAULT_DTYPE[tensor.dtype];
    if (dtype === undefined || !isSafetensorsDtype(dtype)) {
      throw new CheckpointError('<encode>', `tensor "${name}": cannot store tfjs dtype ${tensor.dtype}`);
    }
    items.push({ name, tensor, dtype, bytes: tensor.size * DTYPE_BYTES[dtype] });
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new CheckpointError('<encode>', `metadata "${key}" is not a string`);
  }
  items.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : 1));

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const item of items) {
    header[item.name] = {
      dtype: item.dtype,
      shape: item.tensor.shape,
      data_offsets: [offset, offset + item.bytes],
    };
    offset += item.bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }

  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const item of items) {
    const values = (await item.tensor.data()) as Float32Array | Int32Array | Uint8Array;
    const bad = encodeElements(values, item.dtype, out.subarray(at, at + item.bytes));
    if (bad >= 0) {
      throw new CheckpointError(
        '<encode>',
        `tensor "${item.name}": value ${values[bad]} at index ${bad} does not fit ${item.dtype}`,
      );
    }
    at += item.bytes;
  }
  return out;
}

function describeShape(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Parses and validates one header entry; throws naming the tensor. */
function parseEntry(source: string, name: string, raw: unknown): SafetensorsTensorInfo {
  const fail = (problem: string): never => {
    throw new CheckpointError(source, `tensor "${name}": ${problem}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    return fail(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    return fail(`bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail(`bad data_offsets [${begin}, ${end}]: begin after end`);
  const needed = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype];
  if (needed !== end - begin) {
    fail(
      `shape ${describeShape(shape)} ${dtype} needs ${needed} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { dtype, shape, dataOffsets: [begin, end] };
}

/**
 * Reads and validates the header of safetensors bytes without decoding any tensor (cheap inspection).
 *
 * @throws CheckpointError naming `source` and the problem (truncated, bad JSON, overlap, gap, ...)
 * @example
 * ```ts
 * const { tensors } = readSafetensorsHeader(bytes, 'model.safetensors');
 * Object.keys(tensors); // names, dtypes, shapes
 * ```
 */
export function readSafetensorsHeader(bytes: Uint8Array, source = '<bytes>'): SafetensorsHeader {
  const fail = (problem: string): never => {
    throw new CheckpointError(source, problem);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength < 2n || headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(
      `header length ${headerLength} is not sane (expected 2..${MAX_HEADER_BYTES}); not a safetensors file?`,
    );
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    fail(`truncated: header says its JSON is ${n} bytes, file has ${bytes.length - 8} after the length`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`header is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('header JSON is not an object');

  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsTensorInfo> = {};
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        fail(`${METADATA_KEY} is not an object`);
      for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`${METADATA_KEY}["${key}"] is not a string`);
        metadata[key] = value as string;
      }
      continue;
    }
    tensors[name] = parseEntry(source, name, raw);
  }

  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;
  const ordered = Object.entries(tensors).sort(
    ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  const claimed = ordered.reduce((max, [, info]) => Math.max(max, info.dataOffsets[1]), 0);
  if (claimed > dataBytes) fail(`truncated: header says ${claimed} bytes of data, file has ${dataBytes}`);
  let expected = 0;
  let previous = '';
  for (const [name, info] of ordered) {
    const [begin, end] = info.dataOffsets;
    if (begin < expected) fail(`tensors "${previous}" and "${name}" overlap (bytes ${begin}..${expected})`);
    if (begin > expected)
      fail(`gap of ${begin - expected} bytes before tensor "${name}" (offset ${expected})`);
    expected = end;
    previous = name;
  }
  if (expected < dataBytes) fail(`${dataBytes - expected} unexpected bytes after the last tensor`);
  return { tensors, metadata, dataStart };
}

/** The index of the first NaN or infinity, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * Decodes safetensors bytes into tfjs tensors: floats (F32, F16, BF16, F64) to float32, integers (I64 with
 * a range check, I32, I16, I8, U8) to int32, BOOL to bool. Nothing is allocated on the backend until every
 * tensor has been validated, so a bad file never leaves tensors behind.
 *
 * @throws CheckpointError naming `options.source` and what is wrong
 * @example
 * ```ts
 * const { tensors, metadata } = decodeSafetensors(bytes, { source: 'model.safetensors' });
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): DecodedSafetensors {
  const source = options.source ?? '<bytes>';
  const header = readSafetensorsHeader(bytes, source);
  const decoded: {
    name: string;
    values: Float32Array | Int32Array | Uint8Array;
    info: SafetensorsTensorInfo;
  }[] = [];
  const notes: string[] = [];
  for (const [name, info] of Object.entries(header.tensors)) {
    const [begin, end] = info.dataOffsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    const slice = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    const values = decodeElements(slice, info.dtype, count);
    if ('outOfRange' in values) {
      throw new CheckpointError(
        source,
        `tensor "${name}": I64 value ${values.value} at index ${values.outOfRange} does not fit int32`,
      );
    }
    if (info.dtype === 'F64') notes.push(`tensor "${name}": F64 narrowed to float32`);
    if (options.allowNonFinite === false && values instanceof Float32Array) {
      const bad = firstNonFinite(values);
      if (bad >= 0) {
        throw new CheckpointError(
          source,
          `tensor "${name}" has non-finite values (${values[bad]} at index ${bad})`,
        );
      }
    }
    decoded.push({ name, values, info });
  }
  const tensors: Record<string, tf.Tensor> = {};
  const dtypes: Record<string, SafetensorsDtype> = {};
  for (const { name, values, info } of decoded) {
    tensors[name] = tf.tensor(values, info.shape, DTYPE_TF[info.dtype]);
    dtypes[name] = info.dtype;
  }
  return { tensors, metadata: header.metadata, dtypes, notes };
}
