// Variables a framework's or published server's own code reads at run time: init scans the
// app's sources, not node_modules nor a build output that does not exist yet, so these would be
// missed. Defaults are the framework's own (documented by it), never made up.

interface FrameworkVariable {
  name: string;
  default?: string;
  description: string;
}

/** Dependency (in dependencies or devDependencies) → the variables its server reads. */
const FRAMEWORKS: Record<string, FrameworkVariable[]> = {
  next: [{ name: 'PORT', default: '3000', description: 'TCP port the server listens on (next start)' }],
  nuxt: [
    { name: 'PORT', default: '3000', description: 'TCP port the server listens on (Nitro; NITRO_PORT also works)' },
    { name: 'HOST', description: 'Address the server binds to (Nitro; default: all interfaces)' },
  ],
  '@sveltejs/adapter-node': [
    { name: 'PORT', default: '3000', description: 'TCP port the server listens on (adapter-node)' },
    { name: 'HOST', default: '0.0.0.0', description: 'Address the server binds to (adapter-node)' },
    {
      name: 'ORIGIN',
      description:
        'Public URL the app is served from, e.g. https://app.example.com (adapter-node: without it, form posts are refused)',
    },
  ],
  '@react-router/serve': [
    { name: 'PORT', default: '3000', description: 'TCP port the server listens on (react-router-serve)' },
    { name: 'HOST', description: 'Address the server binds to (react-router-serve; default: all interfaces)' },
  ],
  '@remix-run/serve': [
    { name: 'PORT', default: '3000', description: 'TCP port the server listens on (remix-serve)' },
    { name: 'HOST', description: 'Address the server binds to (remix-serve; default: all interfaces)' },
  ],
  'node-red': [
    {
      name: 'PORT',
      default: '1880',
      description: "TCP port of the editor and HTTP nodes (uiPort in Node-RED's default settings.js)",
    },
  ],
};

/** The framework variables for an app's dependencies, each with the dependency that reads it. */
export function frameworkVariables(dependencies: Iterable<string>): (FrameworkVariable & { from: string })[] {
  const found = new Map<string, FrameworkVariable & { from: string }>();
  for (const dependency of [...dependencies].sort()) {
    for (const v of FRAMEWORKS[dependency] ?? []) if (!found.has(v.name)) found.set(v.name, { ...v, from: dependency });
  }
  return [...found.values()];
}
