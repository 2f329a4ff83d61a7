/* WCAG 2.1 contrast of every visible piece of text against the background it is painted on
   (semi-transparent layers composited; SVG text by its fill). Evaluates to the pieces below
   AA as [text, ratio]: 4.5:1, or 3:1 for large text (24 px, or bold 18.66 px). */
(() => {
  const rgba = s => { const m = s.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lin = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const over = (top, under) => under.map((v, i) => v * (1 - top[3]) + top[i] * top[3]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255]);
  };
  const bad = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!walk.currentNode.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('.sr-only, noscript, script')) continue;
    const cs = getComputedStyle(el);
    const bg = background(el instanceof SVGElement ? el.ownerSVGElement : el);
    const fg = over(rgba(el instanceof SVGElement ? cs.fill : cs.color), bg);
    const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize), large = size >= 24 || (parseInt(cs.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push([walk.currentNode.textContent.trim().slice(0, 40), +ratio.toFixed(2)]);
  }
  return bad;
})()
