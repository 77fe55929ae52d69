// The schema of pkgapp's configuration, and validation whose errors name the key path.
import type { ErrorObject } from 'ajv';
import { UserError } from '../errors.js';
import { validate as generatedValidate } from './config-validate.generated.js';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const HOOK_PHASES = ['preinst', 'postinst', 'prerm', 'postrm'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

/** JSON Schema (draft-07) of the `pkgapp` key of package.json / pkgapp.config.json. */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'pkgapp configuration',
  type: 'object',
  additionalProperties: false,
  // Keys starting with "//" are comments, as in package.json (pkgapp init writes them).
  patternProperties: { '^//': {} },
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', description: 'System package name (default: the npm name, "@scope/app" → "scope-app").' },
    maintainer: { type: 'string', description: 'Maintainer as "Name <email>" (default: package.json author).' },
    description: {
      type: 'string',
      description: 'Extended description; the synopsis stays package.json "description".',
    },
    section: { type: 'string', description: 'Debian section (default: "misc").' },
    homepage: { type: 'string', description: 'Homepage URL (default: package.json "homepage").' },
    depends: {
      type: 'object',
      additionalProperties: false,
      description: 'Extra system package dependencies, per target.',
      properties: {
        deb: { ...stringList, description: 'Debian relations added to Depends, e.g. "libvips42 (>= 8.14)".' },
        rpm: { ...stringList, description: 'rpm requirements added to Requires, e.g. "vips >= 8.14".' },
      },
    },
    libraries: {
      type: 'object',
      description:
        'Shared libraries the app\'s ELF files (native addons, shipped executables) load that pkgapp cannot map to a Debian package, by soname: the Debian relation to add to Depends, e.g. { "libvips-cpp.so.42": "libvips42 (>= 8.14)" }, or false to ship without one (the server must have the library some other way). The rpm needs none: it requires the soname itself, as rpmbuild does.',
      propertyNames: { pattern: '^[^\\s/]+\\.so(\\.[^\\s/]*)?$' },
      additionalProperties: { oneOf: [{ type: 'string', minLength: 1 }, { const: false }] },
    },
    keepSymbols: {
      type: 'boolean',
      description:
        'Keep the symbols and debug information of addons compiled during the build (node-gyp); by default they are stripped as dh_strip does (like `pkgapp build --keep-symbols`).',
    },
    service: {
      description: 'The systemd service, or false for an app without one (a command-line tool).',
      oneOf: [
        { const: false },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            command: {
              type: 'string',
              minLength: 1,
              description:
                'The start command, written as in a "start" script (default: package.json "start", else node "main"): `[VAR=value …] node [NODE_OPTIONS…] FILE [ARGS…]` or `BIN [ARGS…]` with BIN a production dependency\'s bin (e.g. "next start"). No shell: no `&&`, `|`, `$VAR`, `npm run`.',
            },
            entry: {
              type: 'string',
              minLength: 1,
              description:
                'Script run by node, relative to the app; may be in node_modules (default: from the "start" script, else "main"). Instead of "command".',
            },
            args: {
              ...stringList,
              description:
                'Arguments after the entry script (with "entry"; without it they replace the "start" script\'s arguments).',
            },
            user: {
              type: 'string',
              pattern: '^[a-z_][a-z0-9_-]*$',
              maxLength: 32,
              description: 'System user the service runs as (default: the package name).',
            },
            restart: {
              enum: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-abort', 'always'],
              description: 'systemd Restart= (default: on-failure).',
            },
            health: {
              type: 'object',
              additionalProperties: false,
              description:
                'The health gate run after the service starts on install and restarts on upgrade or downgrade: without "url" or "command" it waits until the service has run for a few seconds without a restart (docs/operations.md#the-health-gate).',
              properties: {
                url: {
                  type: 'string',
                  pattern: '^[^\\s]+$',
                  description:
                    'URL on this machine that answers 2xx when the app is healthy, e.g. "http://127.0.0.1:${PORT}/healthz"; ${VAR} is taken from the running service\'s environment (its defaults and the environment file). Host: localhost, 127.x.x.x or [::1].',
                },
                command: {
                  type: 'string',
                  minLength: 1,
                  pattern: '^[^\\n\\r]*$',
                  description:
                    'Shell command run as the service user, in the app directory, with the service\'s environment; exit status 0 means healthy. Instead of "url".',
                },
                timeout: {
                  type: 'integer',
                  minimum: 1,
                  maximum: 600,
                  description: 'Seconds the gate waits for the service to become healthy (default: 30).',
                },
              },
            },
            instances: {
              enum: ['none', 'alongside', 'only'],
              description:
                'A templated unit NAME@.service for several instances (`systemctl enable --now NAME@3001`), PORT taken from the instance name: "alongside" the single unit, "only" instead of it (default: none).',
            },
            unit: {
              type: 'object',
              description:
                'Extra [Service] settings, e.g. { "LimitNOFILE": "65536" }; they override the hardening defaults.',
              propertyNames: { pattern: '^[A-Z][A-Za-z]*$' },
              additionalProperties: { type: 'string', pattern: '^[^\\n\\r]*$' },
            },
          },
        },
      ],
    },
    env: {
      type: 'object',
      description:
        'The configuration contract: environment variables the app reads, documented in the environment file.',
      propertyNames: { pattern: ENV_NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        description: 'One variable, by its name (letters, digits, underscore).',
        properties: {
          description: {
            type: 'string',
            pattern: '^[^\\n\\r]*$',
            description: 'What it is for: written above it in the environment file.',
          },
          required: { type: 'boolean', description: 'The service refuses to start while it is unset.' },
          default: {
            type: 'string',
            pattern: '^[^\\n\\r]*$',
            description: 'Value used when the environment file does not set it.',
          },
        },
      },
    },
    buildScript: {
      type: 'string',
      pattern: '^[^\\s]+$',
      description:
        'npm script that builds the app (e.g. "build"): pkgapp installs all dependencies, runs it, then packages the output with the production dependencies only.',
    },
    include: {
      ...stringList,
      description:
        "Paths or globs (relative to the app; a directory covers what is below it) to package although npm pack's selection, a secret pattern (.env*, *.pem, *.key), a build cache or pkgapp's own products rule would leave them out. See docs/file-selection.md.",
    },
    exclude: {
      ...stringList,
      description:
        'Paths or globs (relative to the app; a directory covers what is below it) never to package, whatever selects them.',
    },
    hooks: {
      type: 'object',
      additionalProperties: false,
      description:
        "Shell scripts (paths relative to the app) run in each maintainer-script phase, after pkgapp's own steps.",
      properties: Object.fromEntries(HOOK_PHASES.map((p) => [p, { type: 'string', minLength: 1 }])),
    },
    nodeVersion: {
      type: 'string',
      minLength: 1,
      description:
        'Node.js versions the app runs on, as a semver range (e.g. ">=18"): replaces the floor that engines.node of the app and its dependencies set, for when those are stricter than the code. Native addons\' needs (N-API version, ABI) still apply.',
    },
    releases: {
      type: 'object',
      additionalProperties: false,
      required: ['keep'],
      description:
        "Releases side by side (docs/operations.md#releases-and-rollback): each version's app in /opt/NAME/releases/VERSION, shipped as its own package NAME-release-VERSION beside the small NAME package (unit, environment file, scripts); /opt/NAME/current points at the one that runs, and `/opt/NAME/.pkgapp/rollback VERSION` switches to any installed release offline. deb and rpm; not with a bundled Node.js runtime.",
      properties: {
        keep: {
          type: 'integer',
          minimum: 2,
          maximum: 50,
          description:
            'Releases kept installed: the one that runs and the newest others; older ones become autoremovable (`apt-get autoremove`).',
        },
      },
    },
    node: {
      enum: ['system', 'bundled'],
      description:
        'Node.js runtime: "system" depends on the distribution\'s nodejs package; "bundled" ships the build machine\'s node in /opt/NAME/node (no nodejs dependency; architecture-specific).',
    },
  },
} as const;

export interface EnvVarConfig {
  description?: string;
  required?: boolean;
  default?: string;
}

/** The validated configuration, as the schema above describes it. */
export interface PkgappConfig {
  name?: string;
  maintainer?: string;
  description?: string;
  section?: string;
  homepage?: string;
  depends?: { deb?: string[]; rpm?: string[] };
  libraries?: Record<string, string | false>;
  keepSymbols?: boolean;
  service?:
    | false
    | {
        command?: string;
        entry?: string;
        args?: string[];
        user?: string;
        restart?: string;
        health?: { url?: string; command?: string; timeout?: number };
        instances?: 'none' | 'alongside' | 'only';
        unit?: Record<string, string>;
      };
  env?: Record<string, EnvVarConfig>;
  buildScript?: string;
  include?: string[];
  exclude?: string[];
  hooks?: Partial<Record<HookPhase, string>>;
  nodeVersion?: string;
  node?: 'system' | 'bundled';
  releases?: { keep: number };
}

/**
 * `configSchema` compiled ahead of time by ajv (scripts/config-validator.ts, `npm run docs`):
 * loading ajv and compiling the schema was a third of a small build's start-up.
 * test/unit/config-validate.test.ts fails when it no longer matches the schema.
 */
const validator = generatedValidate as { (data: unknown): boolean; errors?: ErrorObject[] | null };

/** Checks `value` against the schema; `source` prefixes key paths ("package.json pkgapp"). */
export function validateConfig(value: unknown, source: string): PkgappConfig {
  if (validator(value)) return value as PkgappConfig;
  const errors = validator.errors ?? [];
  // "false or an object" (oneOf): an object gets its own branch's errors only; anything else the
  // one-line "must be false or an object", not also "must be object".
  const isObjectAt = (pointer: string) => {
    const found = pointer
      .split('/')
      .slice(1)
      .map(unescapePointer)
      .reduce<unknown>(
        (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
        value,
      );
    return typeof found === 'object' && found !== null && !Array.isArray(found);
  };
  const falseOrObject = new Set(
    errors.filter((e) => e.keyword === 'const' && e.params['allowedValue'] === false).map((e) => e.instancePath),
  );
  const messages = errors
    .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
    .filter((e) => !(e.keyword === 'const' && falseOrObject.has(e.instancePath) && isObjectAt(e.instancePath)))
    .filter((e) => !(e.keyword === 'type' && falseOrObject.has(e.instancePath)))
    .map((e) => {
      const path = ['pkgapp', ...e.instancePath.split('/').slice(1).map(unescapePointer)].join('.');
      if (e.keyword === 'additionalProperties') {
        return `unknown key "${path}.${String(e.params['additionalProperty'])}"`;
      }
      if (e.keyword === 'propertyNames')
        return `"${path}": key "${String(e.params['propertyName'])}" is not allowed (${e.message})`;
      if (e.keyword === 'enum')
        return `"${path}" must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      if (e.keyword === 'const') return `"${path}" must be false or an object`;
      return `"${path}" ${e.message ?? 'is invalid'}`;
    });
  const unique = [...new Set(messages)];
  throw new UserError(`${source}: invalid configuration:\n  ${unique.join('\n  ')}`, {
    code: 'PKGAPP_CONFIG_INVALID',
    hint: 'Every key and its type: docs/configuration.md in pkgapp (or its schema/pkgapp.schema.json)',
  });
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
