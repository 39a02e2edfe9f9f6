/** Draws and shows how far a long command-line job has got. */
export interface ProgressBar {
  /**
   * Shows `fraction` (0 to 1) done, with `text` after it; throttled, so call it as often as you
   * like.
   */
  update(fraction: number, text: string): void;
  /** Shows the last state at once and ends the line. */
  finish(fraction: number, text: string): void;
}

export interface ProgressBarOptions {
  /** Where to write; `process.stdout` by default. */
  readonly stream?: NodeJS.WriteStream;
  /** On a terminal: the shortest time between two redraws. */
  readonly redrawMs?: number;
  /** Elsewhere (CI, a pipe, a file): the shortest time between two plain lines. */
  readonly plainEveryMs?: number;
}

const BAR_WIDTH_CHARS = 30;

/**
 * A one-line progress display for command-line tools. On a terminal it redraws a bar in place
 * (cut to the terminal's width, at most every `redrawMs`); anywhere else it writes a plain line
 * every `plainEveryMs`, so a CI log gets a few readable lines instead of control characters.
 *
 * @example
 * const bar = createProgressBar('payments');
 * bar.update(0.42, '4,200 of 10,000 final');
 * bar.finish(1, '10,000 of 10,000 final');
 * // payments [############                  ] 42.0% 4,200 of 10,000 final
 */
export function createProgressBar(label: string, options: ProgressBarOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const everyMs = tty ? (options.redrawMs ?? 100) : (options.plainEveryMs ?? 5_000);
  let lastWriteMs = Number.NEGATIVE_INFINITY;

  const write = (fraction: number, text: string, end: boolean) => {
    const clamped = Math.min(Math.max(Number.isFinite(fraction) ? fraction : 0, 0), 1);
    const percent = `${(clamped * 100).toFixed(1)}%`;
    if (!tty) {
      stream.write(`${label}: ${percent} ${text}\n`);
      return;
    }
    const filled = Math.round(clamped * BAR_WIDTH_CHARS);
    const bar = `[${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH_CHARS - filled)}]`;
    // A line longer than the terminal wraps, and `\r` would then redraw only its last part.
    // (A pseudo-terminal without a size reports 0 columns: then the line is left whole.)
    const line = `${label} ${bar} ${percent} ${text}`.slice(0, stream.columns - 1 || undefined);
    stream.write(`\r${line}\x1b[K${end ? '\n' : ''}`);
  };

  return {
    update(fraction, text) {
      const nowMs = performance.now();
      if (nowMs - lastWriteMs < everyMs) return;
      lastWriteMs = nowMs;
      write(fraction, text, false);
    },
    finish(fraction, text) {
      lastWriteMs = performance.now();
      write(fraction, text, true);
    },
  };
}
