import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeReadmeExamples } from '../../../test-support/readme-examples';

// The repository's README: its example runs here, in the example that command 1 runs.
describeReadmeExamples(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'));
