// --node bundled: the Node.js binary that goes into /opt/NAME/node/bin/node, so the server needs
// no nodejs package. Only a self-contained build works: Debian's own node is a thin executable
// around libnode.so, which would be missing on the server.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readElfInfo } from '../elf/elf-info.js';
import { NODE_ARCH_MACHINE } from '../elf/machines.js';
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { tryTool } from '../util/run-tool.js';
import type { FileEntry } from './content-entry.js';

export interface BundledNode {
  entry: FileEntry;
  /** `node --version` of the binary, when it runs here. */
  version: string | undefined;
}

/**
 * The runtime entry for `binary` (a node executable, or a Node.js directory with bin/node;
 * default: the node running pkgapp), which must be a program for `cpu`'s machine (Node.js's
 * naming: x64, arm64). Another architecture's node runs here only under an emulator, so its
 * version is read when it runs and left unknown otherwise.
 */
export async function bundledNode(
  manifest: Manifest,
  binary: string = process.execPath,
  cpu: string = process.arch,
): Promise<BundledNode> {
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
  const elf = await readElfInfo(file).catch(() => undefined);
  const machine = NODE_ARCH_MACHINE[cpu];
  if (elf?.type !== 'EXEC' && elf?.type !== 'DYN') {
    throw new UserError(`--node-binary ${binary}: ${file} is not an ELF program (a Linux node binary)`, {
      code: 'PKGAPP_NODE_BINARY_INVALID',
      hint: `Point it at an official Node.js build for linux-${cpu}, e.g. node-v20.18.0-linux-${cpu}/ or the npm package node-linux-${cpu} (its bin/node)`,
    });
  }
  if (machine !== undefined && elf.machineName !== machine) {
    throw new UserError(
      `--node-binary ${binary}: ${file} is a node for ${elf.machineName}, but the package is for ${cpu} (${machine})`,
      {
        code: 'PKGAPP_NODE_BINARY_INVALID',
        hint: `Bundle a node built for linux-${cpu}: an official Node.js build (node-v20.18.0-linux-${cpu}/) or the npm package node-linux-${cpu} (npm pack node-linux-${cpu}@20, then its package/bin/node)`,
      },
    );
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
