// ContentEntry: one path in the package, and the rules every entry list obeys.
import { UserError } from '../errors.js';

interface EntryBase {
  /** Path in the package without a leading "/" or "./", e.g. "opt/myapp/server.js". */
  path: string;
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  mode: number;
  /** Owner and group when not root (the service's state directory in an rpm). */
  owner?: string;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  mode: number;
  size: number;
  /** Absolute path of the file to stream, or the generated body. */
  source: { file: string } | { body: Buffer };
  /** A configuration file the admin may edit (deb conffile, rpm %config(noreplace)). */
  conffile?: boolean;
  /** Replace the first `skip` bytes of the source with `insert` (a rewritten #! line); `size` is after it. */
  rewriteHead?: { skip: number; insert: Buffer };
}

export interface SymlinkEntry extends EntryBase {
  kind: 'symlink';
  target: string;
}

export type ContentEntry = DirEntry | FileEntry | SymlinkEntry;

/**
 * Sorts entries, adds every missing parent directory (dpkg needs each directory before its
 * contents, docs/internals/deb-archive.md) and refuses two entries for one path.
 *
 * One sort and one linear pass, without a map of every path: in this order a path's ancestors
 * come before it (ancestors are prefixes, and "/" sorts first), and equal paths are adjacent.
 * Collected entries arrive nearly sorted, which the (stable) sort handles in about n comparisons.
 */
export function finalizeEntries(entries: readonly ContentEntry[]): ContentEntry[] {
  const sorted = entries.slice().sort((a, b) => comparePaths(a.path, b.path));
  // Equal paths: two directories merge (the later one wins), anything else is a conflict.
  const unique: ContentEntry[] = [];
  for (const entry of sorted) {
    const last = unique[unique.length - 1];
    if (last !== undefined && last.path === entry.path) {
      if (!(last.kind === 'dir' && entry.kind === 'dir')) {
        throw twice(entry.path);
      }
      unique[unique.length - 1] = entry;
    } else {
      unique.push(entry);
    }
  }
  // Missing parents go right before their first descendant; `open` holds the entries whose
  // subtree the walk is in, deepest last.
  const out: ContentEntry[] = [];
  const open: ContentEntry[] = [];
  for (const entry of unique) {
    const p = entry.path;
    while (open.length && !isBelow(p, open[open.length - 1]!.path)) open.pop();
    const ancestor = open[open.length - 1];
    if (ancestor !== undefined && ancestor.kind !== 'dir') {
      throw new UserError(`/${ancestor.path} is both a ${ancestor.kind} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
    }
    for (let i = p.indexOf('/', ancestor === undefined ? 1 : ancestor.path.length + 1); i !== -1; i = p.indexOf('/', i + 1)) {
      const parent: ContentEntry = { kind: 'dir', path: p.slice(0, i), mode: 0o755 };
      out.push(parent);
      open.push(parent);
    }
    out.push(entry);
    open.push(entry);
  }
  return out;
}

/** True when `p` lies inside the directory `dir` ("a/b" is below "a", "a-b" is not). */
function isBelow(p: string, dir: string): boolean {
  return p.length > dir.length && p.charCodeAt(dir.length) === 0x2f && p.startsWith(dir);
}

/**
 * Path order with "/" before every other character, so a directory's entries follow it directly
 * ("a", "a/b", "a-b"). Compares UTF-16 code units without allocating: 40k+ entries are sorted.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (x === 0x2f ? -1 : x) - (y === 0x2f ? -1 : y);
  }
  return a.length - b.length;
}

const SYNTHETIC = 0; // a parent directory no entry names (0755, root)
const DIR = 1;
const FILE = 2;
const SYMLINK = 3;
const KIND_NAME = ['dir', 'dir', 'file', 'symlink'] as const;
const NONE = 0; // node 0 is the root: never a child, so 0 also means "no node"

/** The marker of an array view of an EntryTree (collectContents' `entries`). */
const TREE = Symbol('EntryTree');

/**
 * Entries as a tree of path segments, for 100k+ collected files: each path is a slot in typed
 * arrays plus its last segment, children are kept in name order, and entry objects exist only
 * while a writer looks at them. The tree also gives the two orders the formats need without
 * sorting: depth-first is `comparePaths` order (deb), and rpm's byte order follows from ordering
 * each directory's items by name, with a subdirectory's contents keyed by its name plus "/".
 * Every path is checked as it is added: a path twice (unless both directories) or a path used
 * both as a directory and as something else is refused, as finalizeEntries does.
 */
export class EntryTree {
  private count = 1;
  private capacity = 0;
  private kind = new Uint8Array(0);
  private mode = new Uint16Array(0);
  private size = new Float64Array(0);
  private parent = new Int32Array(0);
  private first = new Int32Array(0);
  private last = new Int32Array(0);
  private next = new Int32Array(0);
  /** Explicitly added nodes, in the order they were added (the array view's order). */
  private added = new Int32Array(0);
  private addedCount = 0;
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
  constructor(private readonly sourceRoot = '', private readonly sourceCut = 0) {
    this.grow();
  }

  /** The tree behind an array view, or a new tree of the entries of a plain array. */
  static of(entries: readonly ContentEntry[]): EntryTree {
    const tree = (entries as unknown as { [TREE]?: EntryTree })[TREE];
    if (tree) return tree;
    const built = new EntryTree();
    for (const entry of entries) built.add(entry);
    return built;
  }

  /** How many entries were added. */
  get length(): number {
    return this.addedCount;
  }

  /** Adds an entry object (kept as it is). */
  add(entry: ContentEntry): void {
    const slash = entry.path.lastIndexOf('/');
    const dir = slash === -1 ? NONE : this.directory(entry.path.slice(0, slash));
    const kind = entry.kind === 'dir' ? DIR : entry.kind === 'file' ? FILE : SYMLINK;
    const id = this.child(dir, entry.path.slice(slash + 1), kind, entry.kind === 'symlink' ? 0o777 : entry.mode, entry.kind === 'file' ? entry.size : 0);
    this.objects.set(id, entry);
  }

  /** The node of the directory at `path` (made, with its parents, when missing); "" is the root. */
  directory(path: string): number {
    let node = NONE;
    if (path === '') return node;
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      const name = slash === -1 ? path.slice(start) : path.slice(start, slash);
      let child = this.find(node, name);
      if (child === NONE) child = this.insert(node, name, SYNTHETIC, 0o755, 0);
      else if (this.kind[child]! > DIR) throw new UserError(`/${this.pathOf(child)} is both a ${KIND_NAME[this.kind[child]!]} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
      node = child;
      if (slash === -1) return node;
      start = slash + 1;
    }
  }

  /** Adds a directory, file or symlink named `name` in directory `dir`; returns its node. */
  addDir(dir: number, name: string): number {
    return this.child(dir, name, DIR, 0o755, 0);
  }

  addFile(dir: number, name: string, mode: number, size: number, rewriteHead?: { skip: number; insert: Buffer }): number {
    const id = this.child(dir, name, FILE, mode, size);
    if (rewriteHead) this.heads.set(id, rewriteHead);
    return id;
  }

  addSymlink(dir: number, name: string, target: string): number {
    const id = this.child(dir, name, SYMLINK, 0o777, 0);
    this.targets.set(id, target);
    return id;
  }

  /** The entry at `index` in the order entries were added. */
  entryAt(index: number): ContentEntry {
    const id = this.added[index]!;
    return this.entry(id, this.pathOf(id));
  }

  /** The largest regular file, for limits such as cpio's 4 GiB. */
  largestFile(): ContentEntry | undefined {
    let best = NONE;
    for (let id = 1; id < this.count; id++) if (this.kind[id] === FILE && (best === NONE || this.size[id]! > this.size[best]!)) best = id;
    return best === NONE ? undefined : this.entry(best, this.pathOf(best));
  }

  /**
   * A view of the entries as an array (what collectContents returns): indexing, iteration and
   * the array methods work, each element made when it is read; push adds to the tree.
   */
  asArray(): ContentEntry[] {
    const tree = this;
    const index = (prop: string | symbol) => (typeof prop === 'string' && /^(0|[1-9]\d*)$/.test(prop) ? Number(prop) : undefined);
    return new Proxy([] as ContentEntry[], {
      get(target, prop) {
        if (prop === TREE) return tree;
        if (prop === 'length') return tree.addedCount;
        if (prop === 'push') {
          return (...entries: ContentEntry[]) => {
            for (const entry of entries) tree.add(entry);
            return tree.addedCount;
          };
        }
        const i = index(prop);
        if (i !== undefined) return i < tree.addedCount ? tree.entryAt(i) : undefined;
        return Reflect.get(Array.prototype, prop, target);
      },
      has(_target, prop) {
        const i = index(prop);
        return i !== undefined ? i < tree.addedCount : prop === 'length' || prop in Array.prototype;
      },
      set() {
        throw new TypeError('collected entries are read-only (push adds entries)');
      },
    });
  }

  /**
   * Every entry merged with `extras` (the format's generated files, already through
   * finalizeEntries), depth-first in comparePaths order (deb) or in rpm's byte order. Iterable
   * again and again; each entry object lives while the caller looks at it.
   */
  merged(extras: readonly ContentEntry[], explicit: ReadonlySet<ContentEntry>, order: 'deb' | 'rpm'): Iterable<ContentEntry> {
    const sorted = order === 'deb' ? extras : [...extras].sort((a, b) => compareCodePoints(a.path, b.path));
    const compare = order === 'deb' ? comparePaths : compareCodePoints;
    this.checkExtras(sorted, explicit);
    // One traversal fixes the order, as node ids and -(k + 1) for the k-th extra; iterating
    // it later only rebuilds each path from its parent's.
    const ids = new Int32Array(this.count + sorted.length);
    let n = 0;
    let k = 0;
    for (const [id, path] of order === 'deb' ? this.depthFirst() : this.byteOrder()) {
      while (k < sorted.length && compare(sorted[k]!.path, path) < 0) ids[n++] = -(++k);
      const extra = sorted[k];
      if (extra !== undefined && extra.path === path) ids[n++] = this.winner(id, extra, explicit) ? -(++k) : (k++, id);
      else ids[n++] = id;
    }
    while (k < sorted.length) ids[n++] = -(++k);
    return new OrderedEntries(this, ids.subarray(0, n), sorted);
  }

  /**
   * The entries of `ids` (node ids, or -(k + 1) for extras[k]) in that order. A directory's
   * contents must follow it contiguously (true of both orders), so the open directories' paths
   * are kept on a stack and each entry costs one concatenation.
   */
  *entries(ids: Int32Array, extras: readonly ContentEntry[]): Generator<ContentEntry> {
    const depth = new Int32Array(this.count).fill(-1);
    const open: number[] = [NONE];
    const paths: string[] = [''];
    depth[NONE] = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0) {
        yield extras[-id - 1]!;
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

  /** Refuses extras that collide with an entry (before anything is written). */
  private checkExtras(extras: readonly ContentEntry[], explicit: ReadonlySet<ContentEntry>): void {
    for (const extra of extras) {
      const id = this.lookup(extra.path);
      if (id !== NONE) this.winner(id, extra, explicit);
    }
  }

  /** For an extra at the path of node `id`: the extra when it replaces the node, undefined to keep the node; throws on a conflict. */
  private winner(id: number, extra: ContentEntry, explicit: ReadonlySet<ContentEntry>): ContentEntry | undefined {
    const kind = this.kind[id]!;
    const extraIsDir = extra.kind === 'dir';
    const extraExplicit = explicit.has(extra);
    if (kind <= DIR && extraIsDir) return extraExplicit ? extra : undefined;
    if (kind === SYNTHETIC) throw new UserError(`/${extra.path} is both a ${extra.kind} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
    if (extraIsDir && !extraExplicit) throw new UserError(`/${extra.path} is both a ${KIND_NAME[kind]} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
    throw twice(extra.path);
  }

  /** Node ids with their paths, depth-first (a directory, then its contents, children by name). */
  private *depthFirst(): Generator<[number, string]> {
    const stack: [number, string][] = [];
    let node = this.first[NONE]!;
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
   * Node ids with their paths in byte order of the paths: in each directory, items by name,
   * where a subdirectory's contents count as its name plus "/" ("a", "a.x", "a.x/…", "a/…").
   */
  private *byteOrder(): Generator<[number, string]> {
    const stack: { items: number[]; at: number; dir: string }[] = [{ items: this.items(NONE), at: 0, dir: '' }];
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

  /** A directory's children (n) and their contents (-n), in byte order of name and name + "/". */
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
    return { kind: 'file', path, mode: this.mode[id]!, size: this.size[id]!, source: { file: this.sourceRoot + path.slice(this.sourceCut) }, ...(head ? { rewriteHead: head } : {}) };
  }

  private pathOf(id: number): string {
    const parts: string[] = [];
    for (let n = id; n !== NONE; n = this.parent[n]!) parts.push(this.names[n]!);
    return parts.reverse().join('/');
  }

  /** The node at `path`, or NONE. */
  private lookup(path: string): number {
    let node = NONE;
    for (const name of path.split('/')) {
      node = this.find(node, name);
      if (node === NONE) return NONE;
    }
    return node;
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

  /** Adds or merges the child `name` of `dir` (the rules of finalizeEntries). */
  private child(dir: number, name: string, kind: number, mode: number, size: number): number {
    const existing = this.find(dir, name);
    if (existing === NONE) {
      const id = this.insert(dir, name, kind, mode, size);
      this.record(id);
      return id;
    }
    const was = this.kind[existing]!;
    if (was <= DIR && kind === DIR) {
      // Two directories are one (the later one's mode and owner win).
      this.kind[existing] = DIR;
      this.mode[existing] = mode;
      this.objects.delete(existing);
      if (was === SYNTHETIC) this.record(existing);
      return existing;
    }
    if (was === SYNTHETIC) throw new UserError(`/${this.pathOf(existing)} is both a ${KIND_NAME[kind]} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
    throw twice(this.pathOf(existing));
  }

  private record(id: number): void {
    if (this.addedCount === this.added.length) {
      const added = new Int32Array(Math.max(1024, 2 * this.added.length));
      added.set(this.added);
      this.added = added;
    }
    this.added[this.addedCount++] = id;
  }

  /** A new node under `dir`, linked among its siblings in name order. */
  private insert(dir: number, name: string, kind: number, mode: number, size: number): number {
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

  /** Gives back the room kept for more nodes (call once the tree is complete). */
  trim(): void {
    this.resize(this.count + 16);
  }

  private grow(): void {
    this.resize(Math.max(1024, 2 * this.capacity));
  }

  private resize(capacity: number): void {
    const grown = <T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const array = make(capacity);
      array.set(old.subarray(0, Math.min(old.length, capacity)) as never);
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

/** Entries in a fixed order (see EntryTree.merged): iterable again and again. */
class OrderedEntries implements Iterable<ContentEntry> {
  constructor(private readonly tree: EntryTree, private readonly ids: Int32Array, private readonly extras: readonly ContentEntry[]) {}

  [Symbol.iterator](): Iterator<ContentEntry> {
    return this.tree.entries(this.ids, this.extras);
  }
}

function twice(path: string): UserError {
  return new UserError(`/${path} would be in the package twice: the app ships a file where pkgapp generates one`, {
    code: 'PKGAPP_PATH_CONFLICT',
    hint: 'Rename or exclude the app\'s file (pkgapp writes /opt/NAME/.pkgapp/, the unit, the environment file and /usr/share/doc/NAME/)',
  });
}

/**
 * Code point order, which is the byte order of UTF-8 (how rpm sorts paths), without encoding:
 * UTF-16 code units compare the same way except that surrogates (code points past U+FFFF) must
 * sort after U+E000-U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  return unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
