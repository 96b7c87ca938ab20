// Lint rules, and the import boundaries between folders and between the engine's layers
// (see README "Development" and src/engine/README.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

// The engine's layers, bottom first: each may import only the layers before it.
const LAYERS = ['util', 'format', 'graph', 'program', 'typing', 'analysis'];
// Which earlier layers each one actually may use (graph and program are siblings).
const MAY_IMPORT = {
  util: [],
  format: ['util'],
  graph: ['format', 'util'],
  program: ['format', 'util'],
  typing: ['program', 'graph', 'format', 'util'],
  analysis: ['typing', 'program', 'graph', 'format', 'util'],
};
const outsideEngine = [
  { group: ['vscode'], message: 'src/engine must not depend on VS Code.' },
  { group: ['fs', 'fs/*', 'node:*', 'worker_threads', 'path', 'os', 'child_process'], message: 'src/engine reads files through a ByteSource only.' },
];
const layerRules = LAYERS.map((layer) => {
  const above = LAYERS.filter((l) => l !== layer && !MAY_IMPORT[layer].includes(l));
  const below = MAY_IMPORT[layer].map((l) => l + '/').join(', ') || 'nothing else in the engine';
  return {
    files: [`src/engine/${layer}/**`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...outsideEngine,
            ...(above.length ? [{ group: above.map((l) => `../${l}/*`), message: `src/engine/${layer} may import only ${below} (the layers below it).` }] : []),
            // The API is the vocabulary of the answers: the layers below analysis/ may name its
            // types, never its values.
            ...(layer === 'analysis' ? [] : [{ group: ['../api'], message: `src/engine/${layer} may import only types from api.ts.`, allowTypeImports: true }]),
            { group: ['../service', '../../*'], message: 'The engine imports nothing outside itself, and no layer imports service.ts.' },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.scratch/**', 'test-results/**', 'bench-data/**', 'samples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs'] })],
    },
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      // No import cycles anywhere (type-only imports aside: they vanish at run time, and the
      // layer rules below keep them pointing down).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The engine is pure TypeScript: it runs in the worker, the CLI and tests alike.
    files: ['src/engine/*.ts'],
    rules: restrict([...outsideEngine, { group: ['../*'], message: 'src/engine imports nothing outside itself.' }]),
  },
  {
    // api.ts is the vocabulary every layer may name: it imports nothing.
    files: ['src/engine/api.ts'],
    rules: restrict([{ group: ['*', './*', '../*'], message: 'api.ts declares the answers and imports nothing.' }]),
  },
  ...layerRules,
  {
    // Types shared by host, worker and webview; type-only views of the engine's results.
    files: ['src/protocol/**'],
    rules: restrict([{ group: ['vscode', 'fs', 'worker_threads', '../host/*', '../worker/*', '../cli/*'], message: 'src/protocol holds types only.' }]),
  },
  {
    // The extension host relays to the worker; it never runs the engine itself.
    files: ['src/host/**', 'src/extension.ts'],
    rules: restrict([
      { group: ['**/engine/format/decoder', '**/engine/graph/*', '**/engine/analysis/*', '**/engine/typing/*', '**/engine/service'], message: 'Run the engine in the worker (src/worker), not on the extension host thread.' },
      { group: ['../cli/*', '../worker/*', '../../webview/*'], message: 'The host talks to the worker and the webview through src/protocol.' },
    ]),
  },
  {
    files: ['src/worker/**', 'src/cli/**'],
    rules: restrict([{ group: ['vscode', '../host/*', '../../webview/*'], message: 'The worker and CLI run without VS Code.' }]),
  },
  {
    // Browser code: talks to the host only through the typed protocol.
    files: ['webview/**'],
    rules: restrict([{ group: ['vscode', '**/src/engine/*', '**/src/engine/**', '**/src/host/*', '**/src/worker/*', '**/src/cli/*', 'fs', 'path'], message: 'webview/ imports only src/protocol.' }]),
  },
);
