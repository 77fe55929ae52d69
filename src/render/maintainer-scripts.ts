// Maintainer scripts (deb) and scriptlets (rpm), assembled from templates/ snippets the way
// debhelper does it: code picks the snippets, templates hold no conditions.
import type { HookPhase } from '../app/config-schema.js';
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { renderTemplate } from './render-template.js';
import { shellQuote } from '../util/shell-quote.js';

/** For each script: its snippets in order, and "hook" where the app's own hook runs. */
export type ScriptPlan = Record<string, { hook: HookPhase; steps: string[] }>;

/**
 * Renders every script of `plan` that has something to do; empty ones are left out. The
 * snippets and the script frame come from templates/TARGET/.
 */
export function renderScripts(
  manifest: Manifest,
  target: string,
  version: string,
  plan: ScriptPlan,
): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const [script, { hook, steps }] of Object.entries(plan)) {
    const parts = steps
      .map((step) => (step === 'hook' ? renderHook(manifest, hook) : renderTemplate(`${target}/snippets/${step}`, {})))
      .filter((text) => text !== '');
    if (parts.length === 0) continue;
    scripts[script] = renderTemplate(`${target}/script`, {
      script,
      name: manifest.name,
      version,
      variables: scriptVariables(manifest),
      steps: parts.join('\n'),
    });
  }
  return scripts;
}

function renderHook(manifest: Manifest, phase: HookPhase): string {
  const body = manifest.hooks[phase];
  if (body === undefined) return '';
  // The hook is passed to `sh -s` through a quoted here-document, so nothing in it is expanded
  // by the maintainer script; only a line equal to the delimiter could end it early.
  if (body.split('\n').some((line) => line === 'PKGAPP_HOOK_EOF')) {
    throw new UserError(`pkgapp.hooks.${phase}: the script contains a line "PKGAPP_HOOK_EOF", which pkgapp reserves`, {
      code: 'PKGAPP_HOOK_INVALID',
      hint: 'Change that line in the hook script (pkgapp passes hooks through a here-document that this line would end)',
    });
  }
  return renderTemplate('snippets/hook', { phase, body: body.replace(/\n$/, '') });
}

/** Shell variables the snippets use; values are single-quoted, never expanded. */
function scriptVariables(manifest: Manifest): string {
  const vars: [string, string][] = [['pkg_name', manifest.name]];
  if (manifest.service) {
    vars.push(
      ['pkg_user', manifest.service.user],
      ['pkg_state_dir', manifest.paths.stateDir],
      ['pkg_unit', `${manifest.name}.service`],
    );
    if (manifest.service.units.single) {
      vars.push(
        ['pkg_health_gate', manifest.paths.healthGate],
        // Bounds the start or restart itself; the gate has the same limit for its wait.
        ['pkg_health_timeout', String(manifest.service.health.timeout)],
        // What the gate checks, for a reader of the script and `pkgapp inspect`; the gate has its own copy.
        ['pkg_health_check', [manifest.service.health.kind, manifest.service.health.value].join(' ').trim()],
      );
    }
  }
  if (manifest.releases) {
    const r = manifest.releases;
    vars.push(
      // pkgapp.releases (docs/internals/releases.md): this version's release and the switch point.
      ['pkg_release', r.id],
      ['pkg_releases_dir', r.payloadDir.slice(0, r.payloadDir.lastIndexOf('/'))],
      ['pkg_current', r.currentLink],
      ['pkg_releases_keep', String(r.keep)],
      ['pkg_rollback', r.rollback],
    );
  }
  return vars.map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n');
}
