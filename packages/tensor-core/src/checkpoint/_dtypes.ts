// safetensors dtypes and their conversion to and from what tfjs holds (float32, int32, bool). Bytes are
// little-endian; F16/BF16/F64 widen or narrow to float32, the integer types to int32 (I64 range-checked).

/** Element types this reader and writer support, as spelled in a safetensors header. */
export const SAFETENSORS_DTYPES = [
  'F32',
  'F16',
  'BF16',
  'F64',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** tfjs dtype a safetensors dtype is read into. */
export type TfDtype = 'float32' | 'int32' | 'bool';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export const DTYPE_TF: Record<SafetensorsDtype, TfDtype> = {
  F64: 'float32',
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  I64: 'int32',
  I32: 'int32',
  I16: 'int32',
  I8: 'int32',
  U8: 'int32',
  BOOL: 'bool',
};

const INT_RANGE: Partial<Record<SafetensorsDtype, [number, number]>> = {
  I32: [-(2 ** 31), 2 ** 31 - 1],
  I64: [-(2 ** 31), 2 ** 31 - 1], // what int32 can hold; wider values are rejected
  I16: [-32768, 32767],
  I8: [-128, 127],
  U8: [0, 255],
  BOOL: [0, 1],
};

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && (SAFETENSORS_DTYPES as readonly string[]).includes(value);
}

const scratch = new DataView(new ArrayBuffer(4));

/** safetensors data is little-endian; on such hosts (all current ones) F32/I32 are plain copies. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 -> IEEE half bits, round to nearest even; overflow to Inf, NaN kept quiet. */
export function f32ToF16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const x = scratch.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // subnormal half: shift the implicit bit in
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let bits = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (bits & 1) === 1)) bits += 1;
    return sign | bits;
  }
  let bits = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits += 1; // may carry into the exponent: fine
  e = bits >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : bits);
}

/** IEEE half bits -> number (exact: every half is a float32). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32 -> bfloat16 bits (the top half of a float32), round to nearest even; NaN stays NaN. */
export function f32ToBf16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const x = scratch.getUint32(0, true);
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function bf16BitsToF32(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16, true);
  return scratch.getFloat32(0, true);
}

/**
 * Decodes `count` little-endian elements of `dtype` into a tfjs-ready typed array. Integer values outside
 * int32 (I64 only) come back as the index of the first offender instead.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: SafetensorsDtype,
  count: number,
): Float32Array | Int32Array | Uint8Array | { outOfRange: number; value: bigint } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(0, count * 4).buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = f16BitsToF32(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bf16BitsToF32(view.getUint16(i * 2, true));
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v < -2147483648n || v > 2147483647n) return { outOfRange: i, value: v };
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      if (LITTLE_ENDIAN) return new Int32Array(bytes.slice(0, count * 4).buffer);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1;
      return out;
    }
  }
}

/**
 * Encodes values as `dtype` into `out` (little-endian). Returns the index of the first value the dtype
 * cannot hold (non-integer or out of range for integer dtypes), or -1 when all fit.
 */
export function encodeElements(values: ArrayLike<number>, dtype: SafetensorsDtype, out: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = values.length;
  const range = INT_RANGE[dtype];
  if (range !== undefined) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) return i;
    }
  }
  if (LITTLE_ENDIAN && (dtype === 'F32' || dtype === 'I32')) {
    const typed = dtype === 'F32' ? Float32Array.from(values) : Int32Array.from(values);
    out.set(new Uint8Array(typed.buffer, 0, n * 4));
    return -1;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    switch (dtype) {
      case 'F32':
        view.setFloat32(i * 4, v, true);
        break;
      case 'F64':
        view.setFloat64(i * 8, v, true);
        break;
      case 'F16':
        view.setUint16(i * 2, f32ToF16Bits(v), true);
        break;
      case 'BF16':
        view.setUint16(i * 2, f32ToBf16Bits(v), true);
        break;
      case 'I64':
        view.setBigInt64(i * 8, BigInt(v), true);
        break;
      case 'I32':
        view.setInt32(i * 4, v, true);
        break;
      case 'I16':
        view.setInt16(i * 2, v, true);
        break;
      case 'I8':
        view.setInt8(i, v);
        break;
      case 'U8':
      case 'BOOL':
        view.setUint8(i, v);
        break;
    }
  }
  return -1;
}
