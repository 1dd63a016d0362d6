import { defineConfig } from 'tsup';
import { applicationBuild } from '../../tsup.shared';

export default defineConfig(applicationBuild({ entry: ['src/main.ts', 'src/out-of-range-main.ts'] }));
