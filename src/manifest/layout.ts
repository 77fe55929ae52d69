// Where a format's systems expect the files whose location differs between distributions. Each
// format returns its own (src/deb/deb-layout.ts, src/rpm/rpm-layout.ts); shared code only reads it.

export interface TargetLayout {
  /** The format's name ("deb"): its templates are under templates/TARGET/. */
  target: string;
  /** The environment file: a conffile / %config(noreplace). */
  envFile: string;
  /** The systemd unit, without the leading "/". */
  unitPath: string;
  /** The templated unit NAME@.service, without the leading "/". */
  templateUnitPath: string;
  /** The package's documentation directory (copyright, SBOM), with the leading "/". */
  docDir: string;
}
