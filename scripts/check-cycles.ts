// Fails when the modules under src/ import each other in a circle. Every relative import and
// re-export counts, `import type` and `import('./x.js').T` included: a type-only cycle compiles
// and runs, but it means a type lives in the wrong module (the leaf both sides should import).
// Specifiers are resolved by the TypeScript compiler with the project's own tsconfig.json, so
// "./x.js" finds x.ts exactly as `tsc` does. Run with `npm run cycles`: exit 0 with a one-line
// summary, or exit 1 after printing each cycle with its files.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** One module's dependency on another; type-only when every import between them is. */
export interface ImportEdge {
  to: string;
  typeOnly: boolean;
}

/** Module → the modules it imports (each once). */
export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

/** A relative specifier as written in a module, and whether it only brings in types. */
export interface ImportSpecifier {
  specifier: string;
  typeOnly: boolean;
}

/** Every module specifier of a source file: imports, re-exports, `import x = require()`, `import()` calls and import types. */
export function moduleSpecifiers(fileName: string, text: string): ImportSpecifier[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ImportSpecifier[] = [];
  const add = (node: ts.Node | undefined, typeOnly: boolean) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ specifier: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, importIsTypeOnly(node.importClause));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      add(
        node.moduleSpecifier,
        node.isTypeOnly ||
          (clause !== undefined &&
            ts.isNamedExports(clause) &&
            clause.elements.length > 0 &&
            clause.elements.every((e) => e.isTypeOnly)),
      );
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `import type …`, or `import { type A, type B }` with nothing else: erased from the JavaScript. */
function importIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined || clause.namedBindings === undefined || ts.isNamespaceImport(clause.namedBindings))
    return false;
  return clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly);
}

/**
 * The strongly connected components with a cycle (two or more modules, or one importing
 * itself), by Tarjan's algorithm; each sorted, and the list sorted by its first module.
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  // Iterative, so a long chain of imports cannot overflow the call stack.
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const frames: { node: string; next: number }[] = [];
    const enter = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      frames.push({ node, next: 0 });
    };
    enter(start);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!.to;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfLoop = component.length === 1 && edges.some((e) => e.to === frame.node);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  }
  return components.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
}

/** A shortest cycle through `start` inside its component: [start, …, start]. */
export function shortestCycle(graph: ImportGraph, component: readonly string[], start: string): string[] {
  const members = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const { to } of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const cycle = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at))
          cycle.unshift(at);
        return [start, ...cycle];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start]; // unreachable for a component findCycles returned
}

/** The import graph of every .ts module under `dir` (not .d.ts), resolved with the compiler options of `tsconfigPath`. */
export function buildImportGraph(
  dir: string,
  tsconfigPath: string,
): { graph: Map<string, ImportEdge[]>; unresolved: string[] } {
  const config = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (config.error)
    throw new Error(`${tsconfigPath}: ${ts.flattenDiagnosticMessageText(config.error.messageText, '\n')}`);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(tsconfigPath));
  const files = ts.sys
    .readDirectory(dir, ['.ts'], ['**/*.d.ts'], undefined)
    .map((f) => path.resolve(f))
    .sort();
  const known = new Set(files);
  const graph = new Map<string, ImportEdge[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const edges = new Map<string, boolean>();
    for (const { specifier, typeOnly } of moduleSpecifiers(file, ts.sys.readFile(file) ?? '')) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue; // packages and node: builtins
      const resolved = ts.resolveModuleName(
        specifier,
        file,
        options,
        ts.sys,
        undefined,
        undefined,
        ts.ModuleKind.ESNext,
      ).resolvedModule;
      const target = resolved && path.resolve(resolved.resolvedFileName);
      if (target === undefined || !known.has(target)) {
        if (!/\.json$/.test(specifier))
          unresolved.push(`${file}: "${specifier}" does not resolve to a module under ${dir}`);
        continue;
      }
      edges.set(target, (edges.get(target) ?? true) && typeOnly);
    }
    graph.set(
      file,
      [...edges].map(([to, only]) => ({ to, typeOnly: only })),
    );
  }
  return { graph, unresolved };
}

/** The report lines for the cycles found: each as a path of files, its type-only links marked. */
export function describeCycles(
  graph: ImportGraph,
  components: readonly string[][],
  display: (file: string) => string = (f) => f,
): string[] {
  const lines: string[] = [];
  components.forEach((component, n) => {
    const cycle = shortestCycle(graph, component, component[0]!);
    const typeOnly = cycle.slice(1).every((to, i) => graph.get(cycle[i]!)?.find((e) => e.to === to)?.typeOnly === true);
    lines.push(
      `cycle ${n + 1} (${component.length} module${component.length === 1 ? '' : 's'}${typeOnly ? ', type-only' : ''}):`,
    );
    lines.push(`  ${display(cycle[0]!)}`);
    for (let i = 1; i < cycle.length; i++) {
      const edge = graph.get(cycle[i - 1]!)?.find((e) => e.to === cycle[i]);
      lines.push(`    → ${display(cycle[i]!)}${edge?.typeOnly ? ' (import type)' : ''}`);
    }
    const others = component.filter((f) => !cycle.includes(f));
    if (others.length) lines.push(`  also in the same circle: ${others.map(display).join(', ')}`);
  });
  return lines;
}

function main(argv: string[]): number {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const dir = path.resolve(root, argv[0] ?? 'src');
  const display = (file: string) => {
    const rel = path.relative(root, file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  };
  const { graph, unresolved } = buildImportGraph(dir, path.join(root, 'tsconfig.json'));
  const edgeCount = [...graph.values()].reduce((sum, edges) => sum + edges.length, 0);
  for (const line of unresolved) console.error(line);
  const components = findCycles(graph);
  if (components.length === 0 && unresolved.length === 0) {
    console.log(`no import cycles: ${graph.size} modules, ${edgeCount} relative imports under ${display(dir)}/`);
    return 0;
  }
  for (const line of describeCycles(graph, components, display)) console.log(line);
  if (components.length)
    console.log(
      `${components.length} import cycle${components.length === 1 ? '' : 's'} under ${display(dir)}/: move the shared types or functions into a module both sides can import`,
    );
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  process.exitCode = main(process.argv.slice(2));
