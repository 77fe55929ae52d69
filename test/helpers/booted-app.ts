// Checks on the example service inside a booted test root, shared by the deb and rpm e2e tests.
import assert from 'node:assert/strict';
import type { Booted } from './chroot.js';

export const NAME = 'acme-hello';

/** Runs a shell command in the booted root; fails the test with its output unless it exits 0. */
export async function sh(b: Booted, script: string): Promise<string> {
  const r = await b.exec(['sh', '-c', script]);
  assert.equal(r.exitCode, 0, `${script}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

export async function mainPid(b: Booted): Promise<string> {
  return sh(b, `systemctl show -p MainPID --value ${NAME}`);
}

/** The service's HTTP answer, retried while it starts. */
export async function fetchApp(
  b: Booted,
): Promise<{ greeting: string; version: string; visits: number; user: string; pid: number }> {
  for (let i = 0; i < 50; i++) {
    const r = await b.exec(['curl', '-sf', 'http://127.0.0.1:3000/']);
    if (r.exitCode === 0) return JSON.parse(r.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no HTTP answer; journal:\n${await b.journal(NAME)}`);
}

export async function waitActive(b: Booted, pidBefore?: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const state = (await b.exec(['systemctl', 'is-active', NAME])).stdout.trim();
    const pid = await mainPid(b);
    if (state === 'active' && pid !== '0' && pid !== pidBefore) return pid;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`${NAME} did not become active with a new PID; journal:\n${await b.journal(NAME)}`);
}
