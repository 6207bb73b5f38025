import { ERROR_CODES, type ErrorCode, type ErrorOrigin } from '@frostmint/core';

const SECTIONS: readonly { where: ErrorOrigin; title: string; intro: string }[] = [
  {
    where: 'api',
    title: 'Coordinator HTTP API',
    intro:
      'Answered by the coordinator as `{"error": "<code>", "message": "<text>"}` with the status shown.',
  },
  {
    where: 'shared',
    title: 'Shared checks (coordinator and signers)',
    intro:
      'Raised by checks in `@frostmint/core` that both the coordinator and every signer run; the ' +
      'coordinator answers them over HTTP, a signer over gRPC (relayed as is). A signer refusing a ' +
      'credential as evidence for a request answers such a code with 403 (`EvidenceRefusedError`), ' +
      'whatever its status here.',
  },
  {
    where: 'signer',
    title: 'Signer refusals (gRPC)',
    intro:
      'A signer answers these over gRPC (trailer `frostmint-code`; status `INVALID_ARGUMENT` for 400, ' +
      '`UNAUTHENTICATED` 401, `PERMISSION_DENIED` 403, `ALREADY_EXISTS` 409, `UNAVAILABLE` 503). When ' +
      'a refusal decides a request, the coordinator relays the code with the status shown.',
  },
  {
    where: 'daemon',
    title: 'Daemon start-up and local resources',
    intro:
      'Raised while a daemon starts or uses its own resources (configuration, share vault, PKCS#11 ' +
      'token, store schema); reported in its log and exit status, not as an answer to a request. ' +
      'The status column is what a request would get if one ever surfaced.',
  },
  {
    where: 'cli',
    title: 'Command lines',
    intro:
      '`frostmint` and `frostmint-guardian` print these on stderr; they never cross a wire. The ' +
      'status column only orders them with the rest.',
  },
];

/**
 * `docs/errors.md`: every code of core's `ERROR_CODES`, grouped by who raises it, with its
 * HTTP status and description. Written by `npm run api:docs`; a test keeps it fresh.
 *
 * @example
 * ```ts
 * await writeFile('docs/errors.md', errorsMarkdown());
 * ```
 */
export function errorsMarkdown(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from core/src/error-codes.ts by `npm run api:docs`; do not edit by hand. -->',
    '',
    'Every error frostmint reports carries a stable code: clients branch on the code, the message',
    'is for humans and never holds secret material. Over HTTP the body is always exactly',
    '`{"error": "<code>", "message": "<text>"}` — for 404 (unknown route), 405, 413, 415 and a',
    'malformed JSON body too. One code always answers with one HTTP status (the table below is',
    'the single source; the OpenAPI document at `/openapi.json`, `docs/openapi.json`, lists the',
    'same codes per operation). 429 and 503 answers carry `retry-after`.',
    '',
    'Renamed codes: `request_unknown` → `request_not_found` (one 404 for every kind of request).',
    '',
  ];
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  for (const section of SECTIONS) {
    const rows = codes
      .filter((code) => ERROR_CODES[code].where === section.where)
      .sort((a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status || a.localeCompare(b));
    lines.push(
      `## ${section.title}`,
      '',
      section.intro,
      '',
      '| Code | HTTP | Meaning |',
      '|---|---|---|',
    );
    for (const code of rows) {
      const { status, description } = ERROR_CODES[code];
      lines.push(`| \`${code}\` | ${status} | ${description.replaceAll('|', '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
