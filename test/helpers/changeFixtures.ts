// Repository contents for change-group tests (issue 24): the same lines moved in code whose
// surroundings differ.

/**
 * A request handler whose second line is an auth check a change moves down into the block below:
 * `into` is what that block is — harmless, or dead code (`if (false) {`).
 */
export function handlerWithAuthCheck(into: 'harmless' | 'dead code'): string {
  return [
    'export function handle(request) {',
    '  checkAuth(request);',
    '  const body = parse(request);',
    into === 'dead code' ? '  if (false) {' : '  {',
    '    audit(body);',
    '  }',
    '  return respond(body);',
    '}',
    '',
  ].join('\n');
}
