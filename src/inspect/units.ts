// Sizes and times as the human inspect view prints them.

/** "1234 B", "12.1 KiB", "3.4 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A UTC timestamp "2026-11-26T00:00:00Z", or the raw number when it is not a representable date. */
export function formatTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString().replace('.000Z', 'Z') : String(seconds);
}
