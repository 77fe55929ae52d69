// The first four bytes of every rpm (the lead, docs/internals/rpm-package.md): a leaf module, so
// the format registry can recognize an rpm without loading the reader.
export const RPM_LEAD_MAGIC = 0xedabeedb;
