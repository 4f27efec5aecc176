import { isFaceStreamError } from './index.js';

/**
 * Run a command body (a CLI command, a worker entry point): expected failures print one line
 * `facestream: CODE: message` and exit with the error's code; `errorExit` overrides that code
 * (verify's contract is 2 = error). Anything else is a bug: its stack, exit code 70.
 */
export async function runCommand(body: () => Promise<number | void>, errorExit?: number): Promise<void> {
  // Everything this process creates is the owner's only: the data directory's database, crops
  // and index, gallery exports, reports (faces and names are personal data).
  process.umask(0o077);
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (e) {
    if (isFaceStreamError(e)) {
      process.stderr.write(`facestream: ${e.code}: ${e.message}\n`);
      process.exitCode = errorExit ?? e.exitCode;
      return;
    }
    process.stderr.write(`facestream: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  }
}
