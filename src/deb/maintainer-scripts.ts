// Debian maintainer scripts, assembled from templates/deb snippets the way debhelper does it.
import type { HookPhase } from '../app/config-schema.js';
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { debVersion } from '../manifest/versions.js';
import { renderTemplate } from '../render/render-template.js';
import { shellQuote } from '../util/shell-quote.js';

export type DebScriptName = 'preinst' | 'postinst' | 'prerm' | 'postrm';

/** Snippets per script, in order; the app's hook runs after pkgapp's own setup, before the service starts. */
function plan(manifest: Manifest): Record<DebScriptName, string[]> {
  const service = manifest.service !== undefined;
  const s = (name: string) => (service ? [name] : []);
  return {
    preinst: ['hook:preinst'],
    postinst: [...s('postinst-user'), 'hook:postinst', ...s('postinst-systemd')],
    prerm: [...s('prerm-systemd'), 'hook:prerm'],
    postrm: [...s('postrm-systemd'), 'hook:postrm'],
  };
}

/** The scripts this package needs (a script with nothing to do is left out). */
export function renderDebScripts(manifest: Manifest): Partial<Record<DebScriptName, string>> {
  const scripts: Partial<Record<DebScriptName, string>> = {};
  for (const [script, snippets] of Object.entries(plan(manifest)) as [DebScriptName, string[]][]) {
    const steps = snippets.map((snippet) => renderSnippet(manifest, snippet)).filter((text) => text !== '');
    if (steps.length === 0) continue;
    scripts[script] = renderTemplate('deb/script', {
      script,
      name: manifest.name,
      version: debVersion(manifest.version, manifest.release),
      variables: scriptVariables(manifest),
      steps: steps.join('\n'),
    });
  }
  return scripts;
}

function renderSnippet(manifest: Manifest, snippet: string): string {
  if (!snippet.startsWith('hook:')) return renderTemplate(`deb/snippets/${snippet}`, {});
  const phase = snippet.slice('hook:'.length) as HookPhase;
  const body = manifest.hooks[phase];
  if (body === undefined) return '';
  // The hook is passed to `sh -s` through a quoted here-document, so nothing in it is expanded
  // by the maintainer script; only a line equal to the delimiter could end it early.
  if (body.split('\n').some((line) => line === 'PKGAPP_HOOK_EOF')) {
    throw new UserError(`pkgapp.hooks.${phase}: the script contains a line "PKGAPP_HOOK_EOF", which pkgapp reserves`, { code: 'PKGAPP_HOOK_INVALID' });
  }
  return renderTemplate('deb/snippets/hook', { phase, body: body.replace(/\n$/, '') });
}

/** Shell variables the snippets use; values are single-quoted, never expanded. */
function scriptVariables(manifest: Manifest): string {
  const vars: [string, string][] = [['pkg_name', manifest.name]];
  if (manifest.service) {
    vars.push(['pkg_user', manifest.service.user], ['pkg_state_dir', manifest.paths.stateDir], ['pkg_unit', `${manifest.name}.service`]);
  }
  return vars.map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n');
}
