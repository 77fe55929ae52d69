// What `pkgapp inspect` reports about a .deb beyond what every format reports.
import type { InspectionBase } from '../inspect/inspection.js';
import type { ControlField } from './read-deb.js';

/** Debian relation fields, in the order dpkg documents them. */
export const DEB_RELATION_FIELDS = [
  'Pre-Depends',
  'Depends',
  'Recommends',
  'Suggests',
  'Enhances',
  'Breaks',
  'Conflicts',
  'Replaces',
  'Provides',
  'Built-Using',
] as const;
export type DebRelationField = (typeof DEB_RELATION_FIELDS)[number];

export interface DebInspection extends InspectionBase {
  format: 'deb';
  /** debian-binary, e.g. "2.0". */
  formatVersion: string;
  members: { name: string; size: number }[];
  /** The control stanza, fields in file order (relation fields included). */
  control: ControlField[];
  /** Relation fields split into their comma-separated clauses ("a (>= 1) | b" stays one clause). */
  dependencies: Partial<Record<DebRelationField, string[]>>;
  /** Regular files of control.tar (control, md5sums, conffiles, postinst...). */
  controlFiles: string[];
}
