// The human file tree of `pkgapp inspect`: entries sorted by path component and indented under
// their directory; directories the package does not list (/usr, /etc in an rpm) appear once as a
// merged "usr/lib/systemd/system/" line. At most `maxLines` lines: directories are opened one
// level at a time while the whole level fits, the rest stay closed with a count ("express/ (19
// entries, 210.5 KiB)"), so the overview shows every part of the package. --json has every entry.
import type { InspectedFile, InspectedFileType } from './inspection.js';
import { printable } from './printable.js';
import { formatBytes } from './units.js';
import { compareSlashFirst } from '../contents/path-order.js';

/** Indentation stops growing here, so a hostile package with 5000 nested directories stays readable. */
const MAX_INDENT = 24;
const MAX_NAME = 200;

export interface RenderedTree {
  lines: string[];
  /** Entries of the list not on any line (inside closed directories, or past the cap). */
  omitted: number;
}

interface Node {
  name: string;
  path: string;
  /** undefined for a directory the package does not list. */
  file?: InspectedFile;
  parent?: Node;
  children: Node[];
  /** Entries below this node, and the bytes of their regular files. */
  descendants: number;
  bytes: number;
  open: boolean;
}

interface Row {
  mode: string;
  owner: string;
  size: string;
  depth: number;
  label: string;
}

/** Renders `files` as indented lines "mode owner size name", at most `maxLines` of them. */
export function renderFileTree(files: readonly InspectedFile[], maxLines: number): RenderedTree {
  const { root, rootEntries } = buildTree(files);
  openBreadthFirst(root, Math.max(0, maxLines - rootEntries.length));
  const rows: Row[] = rootEntries.slice(0, maxLines).map((f) => entryRow(f, 0, '/'));
  let shown = rows.length;
  const stack: [Node, number][] = root.children.map((c): [Node, number] => [c, 0]).reverse();
  while (stack.length && rows.length < maxLines) {
    const [node, depth] = stack.pop()!;
    const closed =
      !node.open && node.children.length > 0
        ? `  (${node.descendants} entr${node.descendants === 1 ? 'y' : 'ies'}, ${formatBytes(node.bytes)})`
        : '';
    if (node.file) {
      rows.push(entryRow(node.file, depth, node.name, closed));
      shown++;
    } else rows.push({ mode: '', owner: '', size: '', depth, label: `${shorten(printable(node.name))}/${closed}` });
    if (node.open) for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i]!, depth + 1]);
  }
  const ownerWidth = Math.max(0, ...rows.map((r) => r.owner.length));
  const sizeWidth = Math.max(1, ...rows.map((r) => r.size.length));
  const lines = rows.map(
    (r) =>
      `${r.mode.padEnd(10)} ${r.owner.padEnd(ownerWidth)} ${r.size.padStart(sizeWidth)}  ${'  '.repeat(Math.min(r.depth, MAX_INDENT))}${r.label}`,
  );
  return { lines, omitted: files.length - shown };
}

/** Nodes in path order under a synthetic root; "/" entries (a deb's "./") are kept apart. */
function buildTree(files: readonly InspectedFile[]): { root: Node; rootEntries: InspectedFile[] } {
  const root: Node = { name: '', path: '', children: [], descendants: 0, bytes: 0, open: true };
  const rootEntries: InspectedFile[] = [];
  const nodes: Node[] = [];
  const open: Node[] = [root];
  const add = (node: Node, parent: Node) => {
    node.parent = parent;
    parent.children.push(node);
    nodes.push(node);
  };
  for (const file of [...files].sort((a, b) => compareSlashFirst(a.path, b.path))) {
    if (file.path === '/') {
      rootEntries.push(file);
      continue;
    }
    while (open.length > 1 && !file.path.startsWith(`${open[open.length - 1]!.path}/`)) open.pop();
    let parent = open[open.length - 1]!;
    const slash = file.path.lastIndexOf('/');
    const dir = file.path.slice(0, Math.max(slash, 0));
    if (dir.length > parent.path.length) {
      // Directories between the nearest listed one and this entry: one merged node.
      const implied: Node = {
        name: dir.slice(parent.path.length + 1),
        path: dir,
        children: [],
        descendants: 0,
        bytes: 0,
        open: false,
      };
      add(implied, parent);
      open.push(implied);
      parent = implied;
    }
    const node: Node = {
      name: file.path.slice(slash + 1),
      path: file.path,
      file,
      children: [],
      descendants: 0,
      bytes: 0,
      open: false,
    };
    add(node, parent);
    if (file.type === 'directory') open.push(node);
  }
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    node.parent!.descendants += node.descendants + (node.file ? 1 : 0);
    node.parent!.bytes += node.bytes + (node.file?.type === 'file' ? node.file.size : 0);
  }
  return { root, rootEntries };
}

/** Opens directories level by level while a whole level of children still fits in `budget` lines. */
function openBreadthFirst(root: Node, budget: number): void {
  let used = root.children.length;
  let level = root.children.filter((n) => n.children.length > 0);
  while (level.length) {
    const lines = level.reduce((sum, n) => sum + n.children.length, 0);
    if (used + lines > budget) return;
    used += lines;
    for (const node of level) node.open = true;
    level = level.flatMap((n) => n.children.filter((c) => c.children.length > 0));
  }
}

function entryRow(file: InspectedFile, depth: number, name: string, suffix = ''): Row {
  let label = shorten(printable(name));
  if (file.type === 'directory' && name !== '/') label += '/';
  if (file.type === 'symlink') label += ` -> ${shorten(printable(file.linkTo ?? ''))}`;
  if (file.type === 'hardlink') label += ` link to ${shorten(printable(file.linkTo ?? ''))}`;
  if (file.flags?.length) label += ` [${file.flags.join(' ')}]`;
  return {
    mode: modeString(file.mode, file.type),
    owner: `${printable(file.user).slice(0, 32)}/${printable(file.group).slice(0, 32)}`,
    size: String(file.size),
    depth,
    label: label + suffix,
  };
}

/** ls -l style permissions: "drwxr-xr-x"; dpkg-deb -c's "h" for hard links. */
export function modeString(mode: number, type: InspectedFileType): string {
  const kind = {
    file: '-',
    directory: 'd',
    symlink: 'l',
    hardlink: 'h',
    'char-device': 'c',
    'block-device': 'b',
    fifo: 'p',
    socket: 's',
    other: '?',
  }[type];
  const triple = (shift: number, special: boolean, specialChar: string) => {
    const bits = (mode >> shift) & 7;
    const x = bits & 1 ? (special ? specialChar : 'x') : special ? specialChar.toUpperCase() : '-';
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${x}`;
  };
  return (
    kind +
    triple(6, (mode & 0o4000) !== 0, 's') +
    triple(3, (mode & 0o2000) !== 0, 's') +
    triple(0, (mode & 0o1000) !== 0, 't')
  );
}

function shorten(text: string): string {
  return text.length > MAX_NAME ? `${text.slice(0, MAX_NAME / 2)}…${text.slice(-MAX_NAME / 2 + 1)}` : text;
}
