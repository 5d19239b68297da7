import type { Page } from 'playwright-core';

/** Polls an expression in the page (waitForFunction compiles with eval, which the screen's CSP refuses). */
export async function waitFor(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Every element of every panel, tile and the header whose box reaches outside its panel (it is
 * clipped), every text box narrower than its text (truncated with an ellipsis or cut), and every
 * badge, chip or tab whose text is wider than it (overflowing, even where overflow is visible). Lists
 * that scroll are allowed to hold rows below their fold: the scroll container is checked, and its
 * "+N more" says how many; their rows are checked for width only.
 */
export const clippingProblems = `(() => {
  const problems = [];
  const boxes = [...document.querySelectorAll('.panel, .tile, header.bar')];
  const scrolls = (e) => { const s = getComputedStyle(e); return (s.overflowY === 'auto' || s.overflowY === 'scroll'); };
  for (const box of boxes) {
    const outer = box.getBoundingClientRect();
    if (outer.width === 0) continue;
    const name = box.className.split(' ').slice(0, 2).join('.') + (box.dataset.tile ? '[' + box.dataset.tile + ']' : '');
    for (const e of box.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
      if (e.closest('option, datalist, canvas')) continue;
      let scroller = e.parentElement;
      while (scroller && scroller !== box && !scrolls(scroller)) scroller = scroller.parentElement;
      const inScroll = scroller && scroller !== box;
      const label = name + ' ' + e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0] + ' "' + (e.textContent || '').trim().slice(0, 24) + '"';
      if (r.left < outer.left - 1 || r.right > outer.right + 1) problems.push('clipped x: ' + label);
      if (!inScroll && (r.top < outer.top - 1 || r.bottom > outer.bottom + 1)) problems.push('clipped y: ' + label);
      const hasText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      // A badge or chip is a box of its own: text wider than it runs out of it even where overflow is
      // visible (nothing is cut, but the text leaves its colour).
      const boxed = e.matches('.badge, .chip, .tab') && getComputedStyle(e).display !== 'inline';
      if (hasText && e.scrollWidth > e.clientWidth + 1 && (boxed || getComputedStyle(e).overflowX !== 'visible')) problems.push((boxed ? 'text wider than its box: ' : 'truncated: ') + label);
    }
  }
  return problems;
})()`;

/** The contrast of each badge's and chip's text on its background (WCAG 2.1 relative luminance). */
export const badgeContrasts = `(() => {
  const rgb = (text) => (text.match(/\\d+(\\.\\d+)?/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const c = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b); };
  return [...document.querySelectorAll('.badge, .chip, .cell')].filter((e) => e.offsetParent !== null).map((e) => {
    const s = getComputedStyle(e);
    const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return { text: e.textContent, background: s.backgroundColor, ratio: (a + 0.05) / (b + 0.05) };
  });
})()`;

/**
 * Every text and attribute of the page (its dialogs too) that says undefined, NaN, null or Infinity:
 * a value the code did not have, written as its name (a row in no alarm carried
 * data-alarm="undefined"). A row's data-sig is left out: it is the JSON of what the row shows, where
 * null is a value. Each as where it is and what it says.
 */
export const missingValues = `(() => {
  const word = /\\b(undefined|NaN|null|-?Infinity)\\b/;
  const where = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + (e.dataset?.device ? '[' + e.dataset.device + ']' : '') + (e.dataset?.tile ? '[' + e.dataset.tile + ']' : '');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('script, style')) continue;
    if (word.test(node.nodeValue)) found.push(where(node.parentElement) + ' text: ' + node.nodeValue.trim().slice(0, 80));
  }
  for (const element of document.body.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (attribute.name === 'data-sig') continue;
      if (word.test(attribute.value)) found.push(where(element) + ' ' + attribute.name + '="' + attribute.value.slice(0, 80) + '"');
    }
  }
  return found;
})()`;
