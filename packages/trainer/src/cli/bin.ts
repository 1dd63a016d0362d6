import { processIo } from './io.js';
import { runCli } from './main.js';

runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`mmnet: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
