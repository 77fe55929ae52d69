// Files whose content and metadata pkgapp knows without reading them: the installed tree the build
// cache has just restored (every file checked against its manifest) or stored (every file hashed),
// laid out in the staging copy (src/contents/install-cache.ts). The payload segments are keyed by
// these digests (src/util/payload-segments.ts) and the collection takes sizes and modes from here
// (src/contents/collect-contents.ts) instead of reading and stat-ing 42k files again, and its
// directory listings instead of reading 7k directories again. Nothing may change those files
// before the payload is written, unless `forget` is told (strip rewrites a compiled addon under
// the same name: src/contents/strip-compiled.ts), nor add, remove or rename a name in the tree.

/** A file of a tree manifest (src/cache/cache-store.ts TreeFile): what is kept of it. */
export interface KnownFile {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode?: number;
  size?: number;
  sha256?: string;
}

interface KnownTree {
  /** The tree's directory with a trailing "/". */
  dir: string;
  /** Each file's index by its path in the tree. */
  index: Map<string, number>;
  /** SHA-256 digests one after the other, 32 bytes each. */
  digests: Buffer;
  modes: Uint16Array;
  sizes: Float64Array;
  /** Each directory's children by its path in the tree ("" for the tree itself), in manifest order. */
  listings: Map<string, DirListing>;
  /** 1 for a file forgotten since: nothing is known of it any more. */
  forgotten: Uint8Array;
}

/** A directory's children, sorted by name (code units), as a manifest lists them. */
export interface DirListing {
  names: string[];
  types: KnownFile['type'][];
  /** Each child's index in its tree's arrays when it is a known file, else -1 (statIn). */
  known: number[];
  tree: KnownTree;
}

/**
 * Compact on purpose: 42k files cost a few MB this way (paths as map keys, the rest in typed
 * arrays), twice that as objects or hex strings by absolute path.
 */
export class KnownFiles {
  private readonly trees: KnownTree[] = [];

  /** Records the regular files of a tree laid out under `dir`. */
  learnTree(dir: string, files: readonly KnownFile[]): void {
    let count = 0;
    for (const file of files) if (known(file)) count++;
    const tree: KnownTree = {
      dir: `${dir}/`,
      index: new Map(),
      digests: Buffer.alloc(32 * count),
      modes: new Uint16Array(count),
      sizes: new Float64Array(count),
      listings: new Map(),
      forgotten: new Uint8Array(count),
    };
    const indexes = new Int32Array(files.length).fill(-1);
    files.forEach((file, n) => {
      if (!known(file)) return;
      const i = tree.index.size;
      if (tree.digests.write(file.sha256!, 32 * i, 'hex') !== 32) return;
      tree.modes[i] = file.mode!;
      tree.sizes[i] = file.size!;
      tree.index.set(file.path, i);
      indexes[n] = i;
    });
    tree.listings = listingsOf(files, indexes, tree);
    this.trees.push(tree);
  }

  /** A file changed after its tree was learned: nothing is known of it any more. */
  forget(file: string): void {
    for (const tree of this.trees) {
      if (!file.startsWith(tree.dir)) continue;
      const i = tree.index.get(file.slice(tree.dir.length));
      if (i !== undefined) tree.forgotten[i] = 1;
    }
  }

  /** The SHA-256 of a known file's content. */
  digestOf(file: string): Buffer | undefined {
    const found = this.find(file);
    return found && found.tree.digests.subarray(32 * found.i, 32 * found.i + 32);
  }

  /** A known file's permission bits and size, as lstat would give them. */
  statOf(file: string): { mode: number; size: number } | undefined {
    const found = this.find(file);
    return found && { mode: found.tree.modes[found.i]!, size: found.tree.sizes[found.i]! };
  }

  /** A directory's children when the directory is in a known tree (the tree as laid out, names unchanged since). */
  listingOf(dir: string): DirListing | undefined {
    for (const tree of this.trees) {
      if (dir === tree.dir.slice(0, -1)) return tree.listings.get('');
      if (dir.startsWith(tree.dir)) return tree.listings.get(dir.slice(tree.dir.length));
    }
    return undefined;
  }

  /** statOf the `i`-th child of a listing from listingOf, without a lookup by path. */
  statIn(listing: DirListing, i: number): { mode: number; size: number } | undefined {
    const at = listing.known[i]!;
    const { tree } = listing;
    if (at < 0 || tree.forgotten[at]) return undefined;
    return { mode: tree.modes[at]!, size: tree.sizes[at]! };
  }

  private find(file: string): { tree: KnownTree; i: number } | undefined {
    for (const tree of this.trees) {
      if (!file.startsWith(tree.dir)) continue;
      const i = tree.index.get(file.slice(tree.dir.length));
      if (i !== undefined) return tree.forgotten[i] ? undefined : { tree, i };
    }
    return undefined;
  }
}

function known(file: KnownFile): boolean {
  return (
    file.type === 'file' &&
    typeof file.sha256 === 'string' &&
    Number.isInteger(file.mode) &&
    Number.isSafeInteger(file.size)
  );
}

/** Children by parent directory; a manifest lists every directory before its children, sorted. */
function listingsOf(files: readonly KnownFile[], indexes: Int32Array, tree: KnownTree): Map<string, DirListing> {
  const listing = (): DirListing => ({ names: [], types: [], known: [], tree });
  const listings = new Map<string, DirListing>([['', listing()]]);
  for (let n = 0; n < files.length; n++) {
    const file = files[n]!;
    const slash = file.path.lastIndexOf('/');
    const parent = listings.get(slash === -1 ? '' : file.path.slice(0, slash));
    if (!parent) return new Map(); // not every directory listed (not putTree's manifest): all read from disk
    parent.names.push(file.path.slice(slash + 1));
    parent.types.push(file.type);
    parent.known.push(indexes[n]!);
    if (file.type === 'dir') listings.set(file.path, listing());
  }
  return listings;
}
