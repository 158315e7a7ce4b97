// Progress of a long import. On a terminal: one line redrawn in place (done/total, rate, time
// left). Elsewhere (CI logs, pipes) redrawing would only add noise, so a plain line is printed
// at each 10 % step or after 10 s without one, whichever comes first.

/** @param {number} s */
function duration(s) {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.ceil(s - m * 60)).padStart(2, "0")} s`;
}

/**
 * @param {object} options
 * @param {number} options.total
 * @param {string} options.label e.g. "users written"
 * @param {{ write(s: string): unknown; isTTY?: boolean }} [options.stream]
 * @param {() => number} [options.now] milliseconds
 */
export function createProgress({ total, label, stream = process.stdout, now = () => performance.now() }) {
  const tty = !!stream.isTTY;
  const start = now();
  let lastLine = start;
  let lastDraw = 0;
  let lastStep = 0;
  let done = 0;

  const line = () => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const pct = total ? Math.floor((done / total) * 100) : 100;
    const left = rate > 0 ? duration((total - done) / rate) : "?";
    return `${label}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} (${pct} %), ${Math.round(rate).toLocaleString("en-US")}/s, ${left} left`;
  };

  return {
    /** @param {number} n units done so far */
    update(n) {
      done = n;
      const t = now();
      if (tty) {
        // A redraw per batch would be fine, but not faster than the eye.
        if (t - lastDraw < 100 && done < total) return;
        lastDraw = t;
        const width = 20;
        const filled = total ? Math.round((done / total) * width) : width;
        stream.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line()}`);
        return;
      }
      const step = total ? Math.floor((done / total) * 10) : 10;
      if (step > lastStep || t - lastLine >= 10_000) {
        lastStep = step;
        lastLine = t;
        stream.write(`${line()}\n`);
      }
    },
    /** Ends the line; the caller prints the result. */
    finish() {
      const elapsed = (now() - start) / 1000;
      const summary = `${label}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} in ${elapsed.toFixed(1)} s (${Math.round(elapsed > 0 ? done / elapsed : 0).toLocaleString("en-US")}/s)`;
      stream.write(tty ? `\r\x1b[K${summary}\n` : `${summary}\n`);
    },
  };
}
