// The wall's one render loop (issue 21 item 5: "the whole screen is rebuilt every ~0.5 s … updates
// that touch only what changed"). What changed marks its panels dirty (a family's readings, the
// alarms, the tiles, the clock's second); one animation frame then draws all of it at once, so the
// browser lays the page out once for everything that changed, not once per event.

// Frames at most every 500 ms: the stream's summaries come every 500 ms (services/live,
// flushMs), so a reading waits at most one frame and is on the wall well inside its 2 s, while a
// burst of events (a sync, alarms with their readings) is still one layout.
export const FRAME_MS = 500;

/**
 * `draw(dirty, now)` is called in an animation frame with the ids marked since the last one, at most
 * every FRAME_MS. Nothing is drawn while the tab is hidden (document.hidden): what was marked waits,
 * and `resume()` draws it once the tab is shown again.
 */
export function createFrames(draw) {
  const dirty = new Set();
  let pending = false;
  let lastMs = -Infinity;

  function run() {
    if (document.hidden) return;
    lastMs = Date.now();
    const ids = new Set(dirty);
    dirty.clear();
    draw(ids, lastMs);
  }

  function request() {
    if (pending || document.hidden) return;
    pending = true;
    // An animation frame, so the writes land just before the browser lays out (and wait while hidden).
    setTimeout(() => requestAnimationFrame(() => {
      pending = false;
      run();
    }), Math.max(0, lastMs + FRAME_MS - Date.now()));
  }

  return {
    /** Marks panels (by id) to be drawn in the next frame. */
    mark(...ids) {
      for (const id of ids) dirty.add(id);
      request();
    },
    /** Draws what is marked now, without waiting for a frame (an alarm, the operator's own click). */
    now(...ids) {
      for (const id of ids) dirty.add(id);
      if (!document.hidden) run();
    },
    /** The tab is shown again: what was marked while hidden is drawn. */
    resume: request,
    /** Whether `id` is waiting to be drawn. */
    has: (id) => dirty.has(id),
  };
}
