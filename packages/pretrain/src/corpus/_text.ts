// Byte-level text helpers for ingestion: strict UTF-8 decoding, line splitting on raw bytes (so one bad
// line does not poison a file) and a small RFC 4180 CSV parser (quoted fields, doubled quotes, newlines
// inside quotes). Internal.

const _strict = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode (BOM dropped); undefined when the bytes are not valid UTF-8. */
export function _decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return _strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Splits bytes at \n (dropping a trailing \r), returning each line's bytes. */
export function _splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      if (i < bytes.length || end > start) lines.push(bytes.subarray(start, end));
      start = i + 1;
    }
  }
  return lines;
}

/** RFC 4180 CSV records; each field is the raw bytes of that field (quotes removed). */
export function _parseCsv(bytes: Uint8Array): Uint8Array[][] {
  const records: Uint8Array[][] = [];
  let record: Uint8Array[] = [];
  let field: number[] = [];
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(Uint8Array.from(field));
    field = [];
  };
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (quoted) {
      if (c === 0x22 && bytes[i + 1] === 0x22) {
        field.push(0x22);
        i += 2;
        continue;
      }
      if (c === 0x22) quoted = false;
      else field.push(c);
      i++;
      continue;
    }
    if (c === 0x22 && field.length === 0) quoted = true;
    else if (c === 0x2c) endField();
    else if (c === 0x0a) {
      endField();
      records.push(record);
      record = [];
    } else if (c !== 0x0d) field.push(c);
    i++;
  }
  if (field.length > 0 || record.length > 0) {
    endField();
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0]?.length === 0));
}
