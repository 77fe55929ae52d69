// pkgapp.service.health → the health gate's settings (templates/health-gate.sh runs them).
import { UserError } from '../errors.js';
import type { ServiceSpec } from './manifest.js';

/** Seconds the gate waits at most when the configuration sets no timeout. */
export const DEFAULT_HEALTH_TIMEOUT = 30;

/**
 * Seconds a restarted service must keep running, without a restart, before the gate passes
 * (also with a check: a URL may answer before a crash). Node apps that fail at start (a
 * missing module, a port in use, a bad configuration) exit within a second or two; every
 * upgrade waits this long, so it stays short (docs/operations.md#the-health-gate).
 */
export const HEALTH_SETTLE_SECONDS = 3;

/**
 * A URL on this machine: http(s), host localhost / 127.x.x.x / [::1], and variables only in the
 * port and path (`http://127.0.0.1:${PORT}/healthz`); the gate checks the host again after
 * expanding them.
 */
const LOCAL_URL =
  /^https?:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:(\d{1,5}|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*))?(\/\S*)?$/;

export function resolveHealth(
  cfg: { url?: string; command?: string; timeout?: number } | undefined,
  where: string,
): ServiceSpec['health'] {
  const timeout = cfg?.timeout ?? DEFAULT_HEALTH_TIMEOUT;
  const settle = HEALTH_SETTLE_SECONDS;
  if (cfg?.url !== undefined && cfg.command !== undefined) {
    throw new UserError(`${where}: "service.health" sets both "url" and "command"`, {
      code: 'PKGAPP_HEALTH_INVALID',
      hint: 'Keep one of them: the gate runs a single check',
    });
  }
  if (cfg?.url !== undefined) {
    if (!LOCAL_URL.test(cfg.url)) {
      throw new UserError(`${where}: "service.health.url" is not an http(s) URL on this machine: ${cfg.url}`, {
        code: 'PKGAPP_HEALTH_INVALID',
        hint: 'Use a local URL such as "http://127.0.0.1:${PORT}/healthz" (host localhost, 127.x.x.x or [::1]; ${VAR} in the port or path)',
      });
    }
    return { kind: 'url', value: cfg.url, timeout, settle };
  }
  if (cfg?.command !== undefined) return { kind: 'command', value: cfg.command, timeout, settle };
  return { kind: 'none', value: '', timeout, settle };
}
