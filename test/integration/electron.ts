/**
 * npm run test:electron: the same integration suite in desktop VS Code downloaded by
 * @vscode/test-electron (needs internet; on machines without it use test:integration).
 */
import { runTests } from '@vscode/test-electron';
import { join } from 'path';
import { REPO, SAMPLES } from '../support/corpus';

runTests({
  extensionDevelopmentPath: REPO,
  extensionTestsPath: join(REPO, 'dist', 'test', 'suite', 'index'),
  launchArgs: [SAMPLES, '--disable-extensions', '--disable-workspace-trust'],
}).catch((e) => {
  console.error(e);
  process.exit(1);
});
