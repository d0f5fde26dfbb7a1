// Sanitiser policy tests: what is kept, what is dropped, what is refused outright.
import { describe, expect, it } from 'vitest';
import { sanitizeSvg } from './svg.js';

const wrap = (body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${body}</svg>`;

function clean(markup: string): { svg: string; removed: string[] } {
  const r = sanitizeSvg(markup);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r;
}

describe('sanitizeSvg', () => {
  it('keeps fragment references and inline raster data URIs', () => {
    const body =
      '<use href="#a"/><use xlink:href="#b"/><image href="data:image/png;base64,AAAA"/>' +
      '<rect fill="url(#grad)" style="fill: url(\'#g2\')"/>';
    const r = clean(wrap(body));
    expect(r.removed).toEqual([]);
    expect(r.svg).toBe(wrap(body));
  });

  it('drops remote, file and relative hrefs in any namespace', () => {
    const r = clean(
      wrap('<image href="http://x/a.png"/><image xlink:href=\'file:///etc/passwd\'/><a foo:href="b.svg"/>'),
    );
    expect(r.removed).toEqual([
      'href="http://x/a.png"',
      "xlink:href='file:///etc/passwd'",
      'foo:href="b.svg"',
    ]);
    expect(r.svg).not.toMatch(/href/);
  });

  it('drops SVG data URIs (nested documents) but not raster ones', () => {
    const r = clean(wrap('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'));
    expect(r.removed).toHaveLength(1);
  });

  it('decodes character references before checking, so &#104;ttp cannot hide a URL', () => {
    const r = clean(wrap('<image href="&#104;ttp://evil/x.png"/><rect fill="u&#x72;l(http://evil/p)"/>'));
    expect(r.removed).toEqual(['href="http://evil/x.png"', 'url(http://evil/p)']);
    expect(r.svg).toContain('fill="none"');
  });

  it('drops scripts, foreignObject, XInclude, handlers, xml:base, stylesheet PIs and @import', () => {
    const markup =
      '<?xml version="1.0"?><?xml-stylesheet href="http://x/s.css"?>' +
      wrap(
        '<script>alert(1)</script><foreignObject><p>hi</p></foreignObject>' +
          '<xi:include href="http://x/a.svg"/><g onload="f()" xml:base="http://x/"><rect/></g>' +
          '<style>@import url(http://x/b.css); rect { fill: red }</style>',
      );
    const r = clean(markup);
    expect(r.svg).toBe(`<?xml version="1.0"?>${wrap('<g><rect/></g><style> rect { fill: red }</style>')}`);
    expect(r.removed).toHaveLength(7);
  });

  it('drops the whole element when a self-closed child sits inside (no stray end tag left behind)', () => {
    const r = clean(
      wrap(
        '<foreignObject><iframe src="http://x/i"/><p>hi</p></foreignObject>' +
          '<script><br/>fetch("http://x/s")</script><script src="http://x/t.js"/><rect/>',
      ),
    );
    expect(r.svg).toBe(wrap('<rect/>'));
    expect(r.removed).toEqual(['<script>', '<script>', '<foreignObject>']); // scripts are dropped first
  });

  it('drops a DOCTYPE without entities (common in exported files)', () => {
    const doctype =
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">';
    const r = clean(doctype + wrap('<rect/>'));
    expect(r.svg).toBe(wrap('<rect/>'));
    expect(r.removed).toEqual(['<!DOCTYPE>']);
  });

  it('refuses entity declarations and CSS escapes', () => {
    expect(sanitizeSvg('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + wrap('&a;'))).toEqual({
      ok: false,
      reason: 'entity declarations are not allowed',
    });
    expect(sanitizeSvg(wrap('<rect style="fill: \\75 rl(http://x/p)"/>'))).toEqual({
      ok: false,
      reason: 'CSS escapes are not allowed',
    });
  });
});
