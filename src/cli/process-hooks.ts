// What only the pkgapp executable does to its process (cli.ts), never the library: stdout and
// stderr errors handled (io.ts), and, as a last resort when the process exits before an
// operation could clean up (a second Ctrl-C), the tools it runs stopped and its temporary files
// removed.
import { removeTemporariesSync } from '../util/atomic-output.js';
import { stopRunningToolsSync } from '../util/run-tool.js';
import { handleStreamErrors } from './io.js';

export function installProcessHooks(): void {
  handleStreamErrors();
  process.on('exit', () => {
    stopRunningToolsSync();
    removeTemporariesSync();
  });
}
