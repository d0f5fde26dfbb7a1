// Offline SVG: markup is sanitised before librsvg sees it, so rendering never touches the network or the
// file system. librsvg given a buffer already refuses file: and http(s): loads (there is no base URI), but
// that is a property of one library version; we do not rely on it. Policy (allow-list, not block-list):
// - refuse entity declarations (`<!ENTITY`: external entities, "billion laughs");
// - drop DOCTYPE, processing instructions other than `<?xml ...?>` (xml-stylesheet fetches CSS),
//   `<script>`, `<foreignObject>`, XInclude elements, `on*` handlers and `xml:base`;
// - keep `href`/`xlink:href` only for `#fragment` and inline raster `data:image/{png,jpeg,gif,webp}`;
// - keep CSS `url(...)` only for `#fragment`, drop `@import`; refuse CSS escapes (`\75rl(` is `url(`).
// Numeric character references are decoded first so `&#104;ttp:` cannot hide a URL from the checks.

/**
 * Outcome of {@link sanitizeSvg}: the safe markup plus what was removed, or why it was refused.
 *
 * @example
 * ```ts
 * const r: SvgSanitizeResult = sanitizeSvg(text);
 * if (!r.ok) console.warn(r.reason);
 * ```
 */
export type SvgSanitizeResult = { ok: true; svg: string; removed: string[] } | { ok: false; reason: string };

const SAFE_DATA_URI = /^data:image\/(png|jpeg|jpg|gif|webp)[;,]/i;
const XML_SPECIAL = new Set(['<', '>', '&', '"', "'"]);

function _decodeNumericRefs(text: string): string {
  return text.replace(/&#(x[0-9a-f]+|[0-9]+);?/gi, (whole, code: string) => {
    const n =
      code[0] === 'x' || code[0] === 'X' ? Number.parseInt(code.slice(1), 16) : Number.parseInt(code, 10);
    if (!Number.isFinite(n) || n <= 0 || n > 0x10ffff) return whole;
    const ch = String.fromCodePoint(n);
    return XML_SPECIAL.has(ch) ? whole : ch;
  });
}

function _isSafeRef(value: string): boolean {
  const v = value.trim();
  return v.startsWith('#') || SAFE_DATA_URI.test(v);
}

/**
 * Makes SVG markup safe to render offline (see the file header for the policy).
 *
 * @example
 * ```ts
 * const r = sanitizeSvg('<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x/y.png"/></svg>');
 * if (r.ok) console.log(r.removed); // ['href="http://x/y.png"']
 * ```
 */
export function sanitizeSvg(markup: string): SvgSanitizeResult {
  let s = _decodeNumericRefs(markup.replace(/^\uFEFF/, ''));
  if (/<!ENTITY/i.test(s)) return { ok: false, reason: 'entity declarations are not allowed' };
  const removed: string[] = [];
  const drop = (re: RegExp, label?: (m: string) => string): void => {
    s = s.replace(re, (m) => {
      removed.push(label ? label(m) : m.length > 80 ? `${m.slice(0, 77)}...` : m);
      return '';
    });
  };
  drop(/<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/gi, () => '<!DOCTYPE>');
  drop(/<\?(?!xml\s)[\s\S]*?\?>/gi);
  // Self-closing element, or the element up to its own end tag (a self-closed child such as `<iframe/>`
  // must not end the match early and leave a stray end tag behind).
  drop(/<script\b[^>]*\/>|<script\b[\s\S]*?<\/script\s*>/gi, () => '<script>');
  drop(/<foreignObject\b[^>]*\/>|<foreignObject\b[\s\S]*?<\/foreignObject\s*>/gi, () => '<foreignObject>');
  drop(
    /<([\w-]+:)?include\b[^>]*\/>|<([\w-]+:)?include\b[\s\S]*?<\/([\w-]+:)?include\s*>/gi,
    () => '<include>',
  );
  drop(/\s(on[a-z]+|xml:base)\s*=\s*("[^"]*"|'[^']*')/gi, (m) => m.trim());
  s = s.replace(/\s((?:[\w-]+:)?href)\s*=\s*("([^"]*)"|'([^']*)')/gi, (m, _n, _q, dq, sq) => {
    const value = (dq ?? sq ?? '') as string;
    if (_isSafeRef(value)) return m;
    removed.push(m.trim().length > 80 ? `${m.trim().slice(0, 77)}...` : m.trim());
    return '';
  });
  // CSS contexts: <style> bodies and style="..." attributes. Escapes could spell url( or @import.
  const css = [...s.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)].map((m) => m[1] ?? '');
  css.push(...[...s.matchAll(/\sstyle\s*=\s*("([^"]*)"|'([^']*)')/gi)].map((m) => m[2] ?? m[3] ?? ''));
  if (css.some((c) => c.includes('\\'))) return { ok: false, reason: 'CSS escapes are not allowed' };
  drop(/@import\b[^;]*;?/gi);
  s = s.replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (m, _q, target: string) => {
    if (target.trim().startsWith('#')) return m;
    removed.push(m);
    return 'none';
  });
  if (/url\(/i.test(s.replace(/url\(\s*(['"]?)#[^'")]*\1\s*\)/gi, ''))) {
    return { ok: false, reason: 'unparseable url(...) reference' };
  }
  return { ok: true, svg: s, removed };
}
