// Jest's globalSetup/globalTeardown do not go through moduleNameMapper, so the path aliases of
// tsconfig.json are registered by hand for them.
import { register } from 'tsconfig-paths';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions } = require('../../tsconfig.json');
register({ baseUrl: join(__dirname, '..', '..'), paths: compilerOptions.paths });
