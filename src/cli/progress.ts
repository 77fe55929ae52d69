// Progress for humans on stderr: each step with the elapsed time; while writing, a live line of
// files and bytes on a terminal, or a plain line every quarter elsewhere (CI logs, pipes).
import type { Io } from './io.js';

export interface Reporter {
  log(line: string): void;
  progress(done: { files: number; bytes: number }, total: { files: number; bytes: number }): void;
  /** Clears a live line before the summary. */
  finish(): void;
}

/** A reporter writing to io.stderr; `live` redraws one line (a terminal without CI set). */
export function createReporter(io: Io, live: boolean, now: () => number = () => Date.now()): Reporter {
  const start = now();
  const stamp = () => `[${((now() - start) / 1000).toFixed(1).padStart(5)}s]`;
  let lineShown = false;
  let lastDraw = 0;
  let lastQuarter = 0;
  const clear = () => {
    if (lineShown) io.stderr('\r\x1b[K');
    lineShown = false;
  };
  return {
    log(line) {
      clear();
      io.stderr(`${stamp()} ${line}\n`);
    },
    progress(done, total) {
      const fraction = total.bytes > 0 ? done.bytes / total.bytes : done.files / Math.max(1, total.files);
      const text = `writing: ${done.files.toLocaleString('en-US')}/${total.files.toLocaleString('en-US')} files, ${mib(done.bytes)}/${mib(total.bytes)} MiB (${Math.floor(fraction * 100)}%)`;
      if (live) {
        if (now() - lastDraw < 100 && done.files < total.files) return;
        lastDraw = now();
        io.stderr(`\r\x1b[K${stamp()} ${text}`);
        lineShown = true;
      } else {
        const quarter = Math.floor(fraction * 4);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          io.stderr(`${stamp()} ${text}\n`);
        }
      }
    },
    finish: clear,
  };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
