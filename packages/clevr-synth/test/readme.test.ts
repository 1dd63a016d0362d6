import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeReadmeExamples } from '../../../test-support/readme-examples';

describeReadmeExamples(join(dirname(fileURLToPath(import.meta.url)), '..'));
