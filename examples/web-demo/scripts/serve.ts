/** `pnpm demo`: serves the built page (dist/) on localhost and prints its address. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (!existsSync(join(dist, 'index.html'))) {
  process.stderr.write(
    `${dist}: no built page (run pnpm demo from the repository root, or vite build here)\n`,
  );
  process.exit(1);
}
const port = Number(process.env.PORT ?? 5180);
serveStatic({ '/': dist }, port).then(
  ({ url }) => process.stdout.write(`mmnet web demo: ${url}  (Ctrl-C stops it)\n`),
  (error) => {
    process.stderr.write(`cannot serve on port ${port}: ${error.message} (set PORT=... to use another)\n`);
    process.exit(1);
  },
);
