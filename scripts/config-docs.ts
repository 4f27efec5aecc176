import { writeFileSync } from 'node:fs';
import { renderDefaultYaml } from '../src/config/index.js';

writeFileSync(new URL('../config/default.yaml', import.meta.url), renderDefaultYaml());
console.log('wrote config/default.yaml');
