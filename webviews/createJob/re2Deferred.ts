import { arrivedNameEngine, deferNameEngine } from './nameEngine';

// re2js in the Create Job form's bundle (esbuild.mjs): the same calls, answered by the engine once
// its own script has run (nameEngine.ts). Called before that, it throws; the form does not call
// it then (it waits, saying it is checking), and a check that did would refuse, not accept.

deferNameEngine();

function engine() {
  const { engine, failed } = arrivedNameEngine();
  if (engine) return engine;
  throw new Error(failed ?? 'the engine for names has not arrived yet');
}

// biome-ignore lint/complexity/noStaticOnlyClass: it stands in for re2js's class, by its name and shape
export class RE2JS {
  static get CASE_INSENSITIVE(): number {
    return engine().CASE_INSENSITIVE;
  }

  static translateRegExp(source: string): string {
    return engine().translateRegExp(source);
  }

  static compile(source: string, flags?: number) {
    return engine().compile(source, flags);
  }
}
