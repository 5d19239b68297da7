// Where the map puts what it draws, so that names and markers do not cover each other (audit of
// issue 21: street labels sat on markers; markers of one site, chargers of one station, stacked).
// Pure functions over pixel boxes: panel-map.js gives them the chart's coordinates.

/**
 * A pixel offset per marker so that no two overlap where room allows (symbolOffset in ECharts):
 * markers of one site (a station's chargers, two devices at one address) and near neighbours are
 * pushed apart, each at most `maxShift` px from its place and never off the map. Markers are
 * squares to the eye: two are apart when they are apart on x or on y (Chebyshev distance).
 */
export function spreadMarkers(points, sizeOf, toPixel, bounds, maxShift = 14) {
  const items = points.map((p, i) => {
    const [x, y] = toPixel([p.device.lon, p.device.lat]);
    return { id: p.device.id, i, x, y, x0: x, y0: y, half: sizeOf(p.device.family) / 2 };
  });
  for (let round = 0; round < 40; round += 1) {
    let moved = false;
    for (let a = 0; a < items.length; a += 1) {
      for (let b = a + 1; b < items.length; b += 1) {
        const [A, B] = [items[a], items[b]];
        const need = A.half + B.half + 1;
        let [dx, dy] = [B.x - A.x, B.y - A.y];
        if (Math.max(Math.abs(dx), Math.abs(dy)) >= need) continue;
        // Markers on one spot part round a circle, the same way on every redraw.
        if (Math.abs(dx) < 0.01 && Math.abs(dy) < 0.01) [dx, dy] = [Math.cos(B.i * 2.4), Math.sin(B.i * 2.4)];
        const alongX = Math.abs(dx) >= Math.abs(dy);
        const push = (need - Math.abs(alongX ? dx : dy)) / 2;
        const sign = Math.sign(alongX ? dx : dy) || 1;
        if (alongX) { A.x -= sign * push; B.x += sign * push; } else { A.y -= sign * push; B.y += sign * push; }
        moved = true;
      }
    }
    for (const it of items) {
      const shift = Math.hypot(it.x - it.x0, it.y - it.y0);
      if (shift > maxShift) [it.x, it.y] = [it.x0 + ((it.x - it.x0) * maxShift) / shift, it.y0 + ((it.y - it.y0) * maxShift) / shift];
      it.x = Math.min(Math.max(it.x, bounds.x + it.half), bounds.x + bounds.width - it.half);
      it.y = Math.min(Math.max(it.y, bounds.y + it.half), bounds.y + bounds.height - it.half);
    }
    if (!moved) break;
  }
  return new Map(items.map((it) => [it.id, [Math.round(it.x - it.x0), Math.round(it.y - it.y0)]]));
}

const overlaps = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;

// Where a label may go round its street's centre (pixels): on it, then rings further out.
const candidates = [[0, 0], ...[16, 26, 38, 52].flatMap((d) => [[0, -d], [0, d], [d * 1.3, 0], [-d * 1.3, 0], [d, -d * 0.7], [-d, -d * 0.7], [d, d * 0.7], [-d, d * 0.7]])];

/**
 * The shift of one street label (its laid-out box `rect`) to where it covers the fewest markers,
 * then the fewest labels placed before it, then the nearest its street; inside `bounds` always.
 */
export function placeLabel(rect, markers, placed, bounds) {
  let best = { dx: 0, dy: 0, score: Infinity };
  for (const [dx, dy] of candidates) {
    const box = { x: rect.x + dx, y: rect.y + dy, width: rect.width, height: rect.height };
    if (box.x < bounds.x || box.y < bounds.y || box.x + box.width > bounds.x + bounds.width || box.y + box.height > bounds.y + bounds.height) continue;
    const covered = markers.filter((m) => overlaps(box, m)).length;
    const crowded = placed.filter((p) => overlaps(box, p)).length;
    const score = covered * 10 + crowded * 25 + Math.hypot(dx, dy) / 100;
    if (score < best.score) best = { dx, dy, score, box };
  }
  if (best.box) placed.push(best.box);
  return { dx: best.dx, dy: best.dy };
}
