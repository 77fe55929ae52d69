// Tells N-API addons (ABI-stable across Node.js majors) from addons compiled against V8 and
// Node's C++ API (they load on the Node.js major they were built for only), from the symbols
// the addon imports; and which Node.js releases have the N-API version an addon needs.
// The tables: docs/node-runtime.md, from Node's js_native_api.h / node_api.h (`#if NAPI_VERSION
// >= N` blocks) and the "Node-API version matrix" of Node's n-api.md.
import * as semver from '../util/semver.js';

/**
 * The N-API version that introduced each function newer than version 1 (a function not listed
 * is in version 1). Unknown `node_api_*` names are experimental or newer than this table.
 */
const NAPI_FUNCTION_VERSION: Readonly<Record<string, number>> = {
  napi_get_uv_event_loop: 2,
  ...versioned(
    3,
    'napi_add_env_cleanup_hook',
    'napi_remove_env_cleanup_hook',
    'napi_open_callback_scope',
    'napi_close_callback_scope',
    'napi_fatal_exception',
  ),
  ...versioned(
    4,
    'napi_create_threadsafe_function',
    'napi_get_threadsafe_function_context',
    'napi_call_threadsafe_function',
    'napi_acquire_threadsafe_function',
    'napi_release_threadsafe_function',
    'napi_unref_threadsafe_function',
    'napi_ref_threadsafe_function',
  ),
  ...versioned(5, 'napi_create_date', 'napi_is_date', 'napi_get_date_value', 'napi_add_finalizer'),
  ...versioned(
    6,
    'napi_create_bigint_int64',
    'napi_create_bigint_uint64',
    'napi_create_bigint_words',
    'napi_get_value_bigint_int64',
    'napi_get_value_bigint_uint64',
    'napi_get_value_bigint_words',
    'napi_get_all_property_names',
    'napi_set_instance_data',
    'napi_get_instance_data',
  ),
  ...versioned(7, 'napi_detach_arraybuffer', 'napi_is_detached_arraybuffer'),
  ...versioned(
    8,
    'napi_type_tag_object',
    'napi_check_object_type_tag',
    'napi_object_freeze',
    'napi_object_seal',
    'napi_add_async_cleanup_hook',
    'napi_remove_async_cleanup_hook',
  ),
  ...versioned(
    9,
    'node_api_symbol_for',
    'node_api_create_syntax_error',
    'node_api_throw_syntax_error',
    'node_api_get_module_file_name',
  ),
  ...versioned(
    10,
    'node_api_create_external_string_latin1',
    'node_api_create_external_string_utf16',
    'node_api_create_property_key_latin1',
    'node_api_create_property_key_utf8',
    'node_api_create_property_key_utf16',
  ),
};

/**
 * The first release of each Node.js line that has N-API version N (later lines all have it).
 * A version is supported by node V when V is at least the entry of V's line, or V's line is
 * newer than every line listed.
 */
export const NAPI_NODE_RELEASES: Readonly<Record<number, readonly string[]>> = {
  1: ['8.6.0', '9.0.0', '10.0.0'],
  2: ['8.10.0', '9.3.0', '10.0.0'],
  3: ['6.14.2', '8.11.2', '9.11.0', '10.0.0'],
  4: ['10.16.0', '11.8.0', '12.0.0'],
  5: ['10.17.0', '12.11.0', '13.0.0'],
  6: ['10.20.0', '12.17.0', '14.0.0'],
  7: ['10.23.0', '12.19.0', '14.12.0', '15.0.0'],
  8: ['12.22.0', '14.17.0', '15.12.0', '16.0.0'],
  9: ['18.17.0', '20.3.0', '21.0.0'],
  10: ['22.14.0', '23.6.0'],
};
const NEWEST_NAPI = 10;

export type AddonKind =
  | {
      kind: 'napi';
      version: number;
      /** the functions that need that version (or unknown node_api_* ones) */ because: string[];
    }
  | { kind: 'abi'; /** the V8 / Node C++ symbols it imports (a few) */ because: string[] }
  | { kind: 'none' };

/** Classifies an addon by its undefined dynamic symbols (see the top of this file). */
export function classifyAddon(imports: readonly string[]): AddonKind {
  const cxx = imports.filter(
    (s) =>
      s.startsWith('_ZN2v8') ||
      s.startsWith('_ZN4node') ||
      s.startsWith('_ZNK2v8') ||
      s.startsWith('_ZNK4node') ||
      s === 'node_module_register',
  );
  if (cxx.length) return { kind: 'abi', because: cxx.slice(0, 3) };
  const napi = imports.filter((s) => s.startsWith('napi_') || s.startsWith('node_api_'));
  if (!napi.length) return { kind: 'none' };
  let version = 1;
  let because: string[] = [];
  for (const name of napi) {
    // An unknown node_api_* function is experimental or newer than the table: the newest known.
    const v = NAPI_FUNCTION_VERSION[name] ?? (name.startsWith('node_api_') ? NEWEST_NAPI : 1);
    if (v > version) [version, because] = [v, [name]];
    else if (v === version && v > 1) because.push(name);
  }
  return { kind: 'napi', version, because: because.slice(0, 3) };
}

/** The lowest Node.js release with N-API `version` (the floor it sets). */
export function napiFloor(version: number): string {
  return NAPI_NODE_RELEASES[Math.min(Math.max(version, 1), NEWEST_NAPI)]![0]!;
}

/** Whether Node.js `nodeVersion` provides N-API `version`. */
export function nodeHasNapi(nodeVersion: string, version: number): boolean {
  const releases = NAPI_NODE_RELEASES[Math.min(Math.max(version, 1), NEWEST_NAPI)]!;
  const major = semver.major(nodeVersion);
  const sameLine = releases.find((r) => semver.major(r) === major);
  if (sameLine) return semver.gte(nodeVersion, sameLine);
  return major > semver.major(releases[releases.length - 1]!);
}

function versioned(version: number, ...names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, version]));
}
