/**
 * User text (a review mark's comment, a person's name, a site or group name from the registry) as
 * one inline run of Markdown: it can open no heading, quote, list, table row or HTML element, and
 * reads as the words that were typed (CommonMark 0.31 §2.4: any ASCII punctuation may be
 * backslash-escaped; §6.6: raw HTML is `<`-led, so `<` `>` `&` go as entities).
 */
export function markdownText(text: string): string {
  const oneLine = text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
  const escaped = oneLine
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    // Emphasis, code spans, links, images, table cells and escapes themselves (GFM §4.10: `\|` inside a cell).
    .replace(/[\\`*_[\]|!#~]/g, (c) => `\\${c}`);
  // A run that lands at a line's start must not read as a list item or a numbered one (§5.2, §5.3).
  return escaped.replace(/^([-+])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}
