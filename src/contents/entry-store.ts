// EntryStore: the entries of a package, built by collectContents and read by the formats.
import type { ContentEntry, FileEntry } from './content-entry.js';
import { DIR, FILE, IMPLICIT, resolveCollision, SYMLINK, type EntryKind } from './path-collisions.js';
import { comparePathsIn, compareCodePoints, type PathOrder } from './path-order.js';

const ROOT = 0;
const NONE = 0; // the root is never a child, so node 0 also means "no node"

/** What a format gets (PackageJob.contents): it reads the store and never changes it, as deb and rpm are written from one store at once. */
export interface ReadonlyEntryStore {
  /**
   * Every entry plus `extras` (the format's generated files, with their parent directories), in
   * `order`. Collisions are refused here, before anything is written. Iterable again and again;
   * each entry object lives while the caller looks at it.
   */
  ordered(extras: readonly ContentEntry[], order: PathOrder): Iterable<ContentEntry>;
  /** The largest regular file, for limits such as cpio's 4 GiB. */
  largestFile(): FileEntry | undefined;
}

/**
 * Entries as a tree of path segments, for 100k+ collected files: each path is a slot in typed
 * arrays plus its last segment, children are kept in name order, and entry objects exist only
 * while a writer looks at them. The tree gives both path orders without sorting every path.
 * Every path is checked as it is added (contents/path-collisions.ts), and every directory on the
 * way is made (IMPLICIT) when no entry names it.
 */
export class EntryStore implements ReadonlyEntryStore {
  private count = 1;
  private capacity = 0;
  private kind = new Uint8Array(0);
  private mode = new Uint16Array(0);
  private size = new Float64Array(0);
  private parent = new Int32Array(0);
  private first = new Int32Array(0);
  private last = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly names: string[] = [''];
  /** One string per distinct name: node_modules repeats index.js, package.json, lib... */
  private readonly interned = new Map<string, string>();
  /** Entries added as objects (generated files, the bundled node): given back as they are. */
  private readonly objects = new Map<number, ContentEntry>();
  private readonly targets = new Map<number, string>();
  private readonly heads = new Map<number, { skip: number; insert: Buffer }>();

  /**
   * Collected files (added without an object) are read from `${sourceRoot}${path.slice(sourceCut)}`:
   * their package path with the install directory replaced by the staging root.
   */
  constructor(
    private readonly sourceRoot = '',
    private readonly sourceCut = 0,
  ) {
    this.grow();
  }

  /** A store of `entries` (objects, kept as they are). */
  static from(entries: Iterable<ContentEntry>): EntryStore {
    const store = new EntryStore();
    for (const entry of entries) store.add(entry);
    return store;
  }

  /** Adds an entry object (kept as it is). */
  add(entry: ContentEntry): void {
    const slash = entry.path.lastIndexOf('/');
    const dir = slash === -1 ? ROOT : this.directory(entry.path.slice(0, slash));
    const name = entry.path.slice(slash + 1);
    const id =
      entry.kind === 'dir'
        ? this.child(dir, name, DIR, entry.mode, 0)
        : entry.kind === 'file'
          ? this.child(dir, name, FILE, entry.mode, entry.size)
          : this.child(dir, name, SYMLINK, 0o777, 0);
    this.objects.set(id, entry);
  }

  /** The node of the directory at `path` (made, with its parents, when missing); "" is the root. */
  directory(path: string): number {
    let node = ROOT;
    if (path === '') return node;
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      const name = slash === -1 ? path.slice(start) : path.slice(start, slash);
      let child = this.find(node, name);
      if (child === NONE) child = this.insert(node, name, IMPLICIT, 0o755, 0);
      // A directory stays as it is; anything else below a file or symlink is refused.
      else if (this.kind[child]! > DIR) resolveCollision(this.pathOf(child), this.kind[child] as EntryKind, IMPLICIT);
      node = child;
      if (slash === -1) return node;
      start = slash + 1;
    }
  }

  /** Adds a directory (0755), file or symlink named `name` in directory `dir`; returns its node. */
  addDir(dir: number, name: string): number {
    return this.child(dir, name, DIR, 0o755, 0);
  }

  addFile(
    dir: number,
    name: string,
    mode: number,
    size: number,
    rewriteHead?: { skip: number; insert: Buffer },
  ): number {
    const id = this.child(dir, name, FILE, mode, size);
    if (rewriteHead) this.heads.set(id, rewriteHead);
    return id;
  }

  addSymlink(dir: number, name: string, target: string): number {
    const id = this.child(dir, name, SYMLINK, 0o777, 0);
    this.targets.set(id, target);
    return id;
  }

  largestFile(): FileEntry | undefined {
    let best = NONE;
    for (let id = 1; id < this.count; id++)
      if (this.kind[id] === FILE && (best === NONE || this.size[id]! > this.size[best]!)) best = id;
    return best === NONE ? undefined : (this.entry(best, this.pathOf(best)) as FileEntry);
  }

  ordered(extras: readonly ContentEntry[], order: PathOrder): Iterable<ContentEntry> {
    // The extras in a store of their own: the same rules among them, their parents made, and
    // the same walk puts them in order.
    const own = EntryStore.from(extras);
    const added: ContentEntry[] = [];
    const addedKinds: EntryKind[] = [];
    for (const [id, path] of own.walk(order)) {
      added.push(own.entry(id, path));
      addedKinds.push(own.kind[id] as EntryKind);
    }
    // One walk merges the two and fixes the order, as node ids and -(k + 1) for added[k];
    // iterating it later only rebuilds each path from its parent's.
    const compare = comparePathsIn(order);
    const ids = new Int32Array(this.count + added.length);
    let n = 0;
    let k = 0;
    for (const [id, path] of this.walk(order)) {
      while (k < added.length && compare(added[k]!.path, path) < 0) ids[n++] = -++k;
      if (k < added.length && added[k]!.path === path) {
        ids[n++] = resolveCollision(path, this.kind[id] as EntryKind, addedKinds[k]!) === 'replace' ? -(k + 1) : id;
        k++;
      } else {
        ids[n++] = id;
      }
    }
    while (k < added.length) ids[n++] = -++k;
    const fixed = ids.subarray(0, n);
    return { [Symbol.iterator]: () => this.entries(fixed, added) };
  }

  /** Gives back the room kept for more nodes (call once the store is complete). */
  trim(): void {
    this.resize(this.count + 16);
  }

  /**
   * The entries of `ids` (node ids, or -(k + 1) for added[k]) in that order. A directory's
   * contents follow it contiguously (true of both orders), so the open directories' paths are
   * kept on a stack and each entry costs one concatenation.
   */
  private *entries(ids: Int32Array, added: readonly ContentEntry[]): Generator<ContentEntry> {
    const depth = new Int32Array(this.count).fill(-1);
    const open: number[] = [ROOT];
    const paths: string[] = [''];
    depth[ROOT] = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0) {
        yield added[-id - 1]!;
        continue;
      }
      const parent = this.parent[id]!;
      if (depth[parent]! < 0) {
        // Entering a directory (and maybe its parents): push them from the open ancestor down.
        const chain: number[] = [];
        let a = parent;
        while (depth[a]! < 0) {
          chain.push(a);
          a = this.parent[a]!;
        }
        this.close(open, paths, depth, depth[a]!);
        for (let j = chain.length - 1; j >= 0; j--) {
          const d = chain[j]!;
          depth[d] = open.length;
          paths.push(open.length === 1 ? this.names[d]! : `${paths[paths.length - 1]!}/${this.names[d]!}`);
          open.push(d);
        }
      } else {
        this.close(open, paths, depth, depth[parent]!);
      }
      const dir = paths[paths.length - 1]!;
      yield this.entry(id, dir === '' ? this.names[id]! : `${dir}/${this.names[id]!}`);
    }
  }

  /** Pops the open directories deeper than `keep`. */
  private close(open: number[], paths: string[], depth: Int32Array, keep: number): void {
    while (open.length > keep + 1) {
      depth[open.pop()!] = -1;
      paths.pop();
    }
  }

  /** Node ids with their paths, in `order`. */
  private walk(order: PathOrder): Generator<[number, string]> {
    return order === 'slash-first' ? this.depthFirst() : this.codePointOrder();
  }

  /** Depth-first: a directory, then its contents, children by name (the "slash-first" order). */
  private *depthFirst(): Generator<[number, string]> {
    const stack: [number, string][] = [];
    let node = this.first[ROOT]!;
    let dir = '';
    for (;;) {
      if (node === NONE) {
        const top = stack.pop();
        if (top === undefined) return;
        [node, dir] = top;
        continue;
      }
      const path = dir === '' ? this.names[node]! : `${dir}/${this.names[node]!}`;
      yield [node, path];
      const child = this.first[node]!;
      if (child !== NONE) {
        stack.push([this.next[node]!, dir]);
        node = child;
        dir = path;
      } else {
        node = this.next[node]!;
      }
    }
  }

  /**
   * The "code-point" order: in each directory, items by name, where a subdirectory's contents
   * count as its name plus "/" ("a", "a.x", "a.x/…", "a/…").
   */
  private *codePointOrder(): Generator<[number, string]> {
    const stack: { items: number[]; at: number; dir: string }[] = [{ items: this.items(ROOT), at: 0, dir: '' }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.at === top.items.length) {
        stack.pop();
        continue;
      }
      const item = top.items[top.at++]!;
      const node = item < 0 ? -item : item;
      const path = top.dir === '' ? this.names[node]! : `${top.dir}/${this.names[node]!}`;
      if (item > 0) yield [node, path];
      else stack.push({ items: this.items(node), at: 0, dir: path });
    }
  }

  /** A directory's children (n) and their contents (-n), in code point order of name and name + "/". */
  private items(dir: number): number[] {
    const items: number[] = [];
    for (let c = this.first[dir]!; c !== NONE; c = this.next[c]!) {
      items.push(c);
      if (this.first[c] !== NONE) items.push(-c);
    }
    const key = (item: number) => (item > 0 ? this.names[item]! : `${this.names[-item]!}/`);
    return items.sort((a, b) => compareCodePoints(key(a), key(b)));
  }

  /** The entry of node `id` at `path` (an object made for the caller, or the one added). */
  private entry(id: number, path: string): ContentEntry {
    const object = this.objects.get(id);
    if (object) return object;
    const kind = this.kind[id]!;
    if (kind <= DIR) return { kind: 'dir', path, mode: this.mode[id]! };
    if (kind === SYMLINK) return { kind: 'symlink', path, target: this.targets.get(id)! };
    const head = this.heads.get(id);
    return {
      kind: 'file',
      path,
      mode: this.mode[id]!,
      size: this.size[id]!,
      source: { file: this.sourceRoot + path.slice(this.sourceCut) },
      ...(head ? { rewriteHead: head } : {}),
    };
  }

  private pathOf(id: number): string {
    const parts: string[] = [];
    for (let n = id; n !== ROOT; n = this.parent[n]!) parts.push(this.names[n]!);
    return parts.reverse().join('/');
  }

  private find(dir: number, name: string): number {
    const last = this.last[dir]!;
    if (last === NONE || this.names[last]! < name) return NONE; // the common case: appending in order
    for (let c = this.first[dir]!; c !== NONE; c = this.next[c]!) {
      const other = this.names[c]!;
      if (other === name) return c;
      if (other > name) return NONE;
    }
    return NONE;
  }

  /** Adds the child `name` of `dir`, or applies the collision rules to the one there. */
  private child(dir: number, name: string, kind: EntryKind, mode: number, size: number): number {
    const existing = this.find(dir, name);
    if (existing === NONE) return this.insert(dir, name, kind, mode, size);
    if (resolveCollision(this.pathOf(existing), this.kind[existing] as EntryKind, kind) === 'replace') {
      this.kind[existing] = kind;
      this.mode[existing] = mode;
      this.size[existing] = size;
      this.objects.delete(existing);
    }
    return existing;
  }

  /** A new node under `dir`, linked among its siblings in name order. */
  private insert(dir: number, name: string, kind: EntryKind, mode: number, size: number): number {
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    this.kind[id] = kind;
    this.mode[id] = mode;
    this.size[id] = size;
    this.parent[id] = dir;
    let shared = this.interned.get(name);
    if (shared === undefined) this.interned.set(name, (shared = name));
    this.names.push(shared);
    const last = this.last[dir]!;
    if (last === NONE || this.names[last]! < name) {
      if (last === NONE) this.first[dir] = id;
      else this.next[last] = id;
      this.last[dir] = id;
      return id;
    }
    let previous = NONE;
    let c = this.first[dir]!;
    while (c !== NONE && this.names[c]! < name) {
      previous = c;
      c = this.next[c]!;
    }
    this.next[id] = c;
    if (previous === NONE) this.first[dir] = id;
    else this.next[previous] = id;
    return id;
  }

  private grow(): void {
    this.resize(Math.max(1024, 2 * this.capacity));
  }

  private resize(capacity: number): void {
    const grown = <T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const array = make(capacity);
      array.set(old.subarray(0, Math.min(old.length, capacity)));
      return array;
    };
    this.kind = grown(this.kind, (n) => new Uint8Array(n));
    this.mode = grown(this.mode, (n) => new Uint16Array(n));
    this.size = grown(this.size, (n) => new Float64Array(n));
    this.parent = grown(this.parent, (n) => new Int32Array(n));
    this.first = grown(this.first, (n) => new Int32Array(n));
    this.last = grown(this.last, (n) => new Int32Array(n));
    this.next = grown(this.next, (n) => new Int32Array(n));
    this.capacity = capacity;
  }
}
