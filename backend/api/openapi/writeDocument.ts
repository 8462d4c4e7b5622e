import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { version } from '../../../package.json';
import { apiDocument } from '../app';

// `npm run build` writes docs/openapi.json with this (then Biome formats it as it formats every
// JSON file); test/openapi.test.ts fails when the file and the code disagree.

const file = path.resolve(__dirname, '../../../docs/openapi.json');
writeFileSync(file, `${JSON.stringify(apiDocument(version), null, 2)}\n`);
