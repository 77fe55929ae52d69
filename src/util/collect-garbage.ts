// A hook for a full garbage collection at points where the writers know a lot of memory has
// just become garbage that V8 does not account for: each zlib job (one per MiB of archive)
// leaves a native handle with a 32 KiB copy of its dictionary, freed only when V8 collects the
// handle, and with output buffers reused V8 sees too little allocation to collect on its own
// (corpus x4: peak RSS 169 MiB without, 139 MiB with a collection every 128 chunks). Only the
// pkgapp executable installs a collector (src/cli/young-generation.ts): the library never forces a
// collection on the process that embeds it.

let collector: (() => void) | undefined;

/** Installs the function that runs a full collection (the CLI's `gc`). */
export function setCollector(collect: (() => void) | undefined): void {
  collector = collect;
}

/** Runs a full collection when the CLI installed one; a no-op otherwise. */
export function collectGarbage(): void {
  collector?.();
}
