// What check-repo found: problems (a client would fail or be misled: exit 1), warnings (worth
// knowing, no client fails), and counts for the summary. Each names the file, relative to the
// repository root, and what was expected against what is there.

export interface Finding {
  /** The object's key relative to the repository root, e.g. apt/dists/stable/InRelease. */
  file: string;
  problem: string;
  expected?: string;
  actual?: string;
}

export interface CheckCounts {
  /** Signed metadata files checked: InRelease, Release.gpg, repomd.xml.asc. */
  signatures: number;
  /** Index and metadata files whose hashes were checked (by name and by hash). */
  indexes: number;
  debs: number;
  rpms: number;
  /** Bytes of packages read and hashed. */
  packageBytes: number;
}

export class Findings {
  readonly problems: Finding[] = [];
  readonly warnings: Finding[] = [];
  readonly counts: CheckCounts = { signatures: 0, indexes: 0, debs: 0, rpms: 0, packageBytes: 0 };

  problem(file: string, problem: string, expected?: string, actual?: string): void {
    this.problems.push(finding(file, problem, expected, actual));
  }

  warning(file: string, problem: string): void {
    this.warnings.push(finding(file, problem));
  }

  /** Records a mismatch when `expected` and `actual` differ; true when they match. */
  same(file: string, what: string, expected: string | number, actual: string | number): boolean {
    if (String(expected) === String(actual)) return true;
    this.problem(file, `${what} does not match`, String(expected), String(actual));
    return false;
  }
}

function finding(file: string, problem: string, expected?: string, actual?: string): Finding {
  return {
    file,
    problem,
    ...(expected !== undefined ? { expected } : {}),
    ...(actual !== undefined ? { actual } : {}),
  };
}

/** One line for a person: "FILE: PROBLEM (expected X, found Y)". */
export function formatFinding(f: Finding): string {
  const detail =
    f.expected !== undefined || f.actual !== undefined
      ? ` (expected ${f.expected ?? '?'}, found ${f.actual ?? '?'})`
      : '';
  return `${f.file}: ${f.problem}${detail}`;
}
