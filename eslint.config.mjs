// Lint rules, and the import boundaries between folders (see README "Layout").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.scratch/**', 'test-results/**', 'bench-data/**', 'samples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The engine is pure TypeScript: it runs in the worker, the CLI and tests alike.
    files: ['src/engine/**'],
    rules: restrict([
      { group: ['vscode'], message: 'src/engine must not depend on VS Code.' },
      { group: ['fs', 'fs/*', 'node:*', 'worker_threads', 'path', 'os', 'child_process'], message: 'src/engine reads files through a ByteSource only.' },
      { group: ['../*'], message: 'src/engine imports nothing outside itself.' },
    ]),
  },
  {
    // Types shared by host, worker and webview; type-only views of the engine's results.
    files: ['src/protocol/**'],
    rules: restrict([{ group: ['vscode', 'fs', 'worker_threads', '../host/*', '../worker/*', '../cli/*'], message: 'src/protocol holds types only.' }]),
  },
  {
    // The extension host relays to the worker; it never runs the engine itself.
    files: ['src/host/**', 'src/extension.ts'],
    rules: restrict([{ group: ['**/engine/decoder', '**/engine/graph', '**/engine/dominators', '**/engine/heap'], message: 'Run the engine in the worker (src/worker), not on the extension host thread.' }]),
  },
  {
    files: ['src/worker/**', 'src/cli/**'],
    rules: restrict([{ group: ['vscode', '../host/*', '../../webview/*'], message: 'The worker and CLI run without VS Code.' }]),
  },
  {
    // Browser code: talks to the host only through the typed protocol.
    files: ['webview/**'],
    rules: restrict([{ group: ['vscode', '**/src/engine/*', '**/src/host/*', '**/src/worker/*', 'fs', 'path'], message: 'webview/ imports only src/protocol.' }]),
  },
);
