import path from 'node:path';

/** The built web app: dist/web beside the CLI bundle (dist/cli.js), which `npm run build` writes. */
export const WEB_ROOT = path.join(__dirname, 'web');
