// The pages that only show a job (diff, thread, overview, compose) parse its repository query, and
// the schema's check of `include` and `exclude` compiles them with re2js — 147 KB, more than the rest
// of such a page. The server checked them with RE2 when the job was made, and these pages never
// match a name, so their bundles get this stand-in for re2js instead (esbuild.mjs): it accepts the
// expressions it is given, and matching with it fails loudly. The Create Job form, which checks an
// expression as the user types it, bundles the real engine.

export class RE2JS {
  static readonly CASE_INSENSITIVE = 1;

  static translateRegExp(source: string): string {
    return source;
  }

  static compile(_source: string, _flags?: number): RE2JS {
    return new RE2JS();
  }

  test(_input: string): boolean {
    throw new Error('This page has no regular expression engine for names (re2js is left out of its bundle)');
  }
}
