#!/usr/bin/env node
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((e) => {
  console.error(`facestream: ${e && e.message ? e.message : e} (run \`npm run build\` first?)`);
  process.exit(70);
});
