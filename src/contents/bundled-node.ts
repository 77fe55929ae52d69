// --node bundled: the Node.js binary that goes into /opt/NAME/node/bin/node, so the server needs
// no nodejs package. Only a self-contained build works: Debian's own node is a thin executable
// around libnode.so, which would be missing on the server.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { tryTool } from '../util/run-tool.js';
import type { FileEntry } from './content-entry.js';

export interface BundledNode {
  entry: FileEntry;
  /** `node --version` of the binary, when it runs here. */
  version: string | undefined;
}

/** The runtime entry for `binary` (a node executable, or a Node.js directory with bin/node; default: the node running pkgapp). */
export async function bundledNode(manifest: Manifest, binary: string = process.execPath): Promise<BundledNode> {
  let file = path.resolve(binary);
  let st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) {
    file = path.join(file, 'bin', 'node');
    st = await stat(file).catch(() => undefined);
  }
  if (!st?.isFile() || (st.mode & 0o111) === 0) {
    throw new UserError(`--node-binary ${binary}: not an executable node binary (nor a directory with bin/node)`, {
      code: 'PKGAPP_NODE_BINARY_INVALID',
      hint: 'Point it at an official Node.js build, e.g. node-v20.18.0-linux-x64/',
    });
  }
  const libraries = await tryTool('ldd', [file], path.dirname(file));
  if (libraries?.includes('libnode.so')) {
    throw new UserError(
      `${file} is a shared-library build of Node.js (it loads libnode.so), which cannot be bundled alone`,
      {
        code: 'PKGAPP_NODE_BINARY_SHARED',
        hint: 'Bundle an official Node.js build (nodejs.org tarball or NodeSource): --node-binary /path/to/node-v20.x-linux-x64',
      },
    );
  }
  const version = await tryTool(file, ['--version'], path.dirname(file)).catch(() => undefined);
  const target = manifest.runtime.nodePath.slice(1);
  return { entry: { kind: 'file', path: target, mode: 0o755, size: st.size, source: { file } }, version };
}
