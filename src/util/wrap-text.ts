// Word wrapping for package descriptions (Debian and rpm both want lines under 80 columns).

/** Splits text into lines of at most `width` characters, breaking at spaces only. */
export function wrapText(text: string, width = 78): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
