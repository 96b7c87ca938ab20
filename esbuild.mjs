// One esbuild script, one entry per runtime: extension host, worker, webview, CLI, and the
// integration-test suite that runs inside VS Code.
//   node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'silent',
  target: 'node20',
  platform: 'node',
  format: 'cjs',
  plugins: [
    {
      // Prints in the shape of the esbuild problem matcher (.vscode/tasks.json).
      name: 'problem-matcher',
      setup(build) {
        build.onStart(() => console.log(`[watch] build started (${build.initialOptions.outfile})`));
        build.onEnd((result) => {
          for (const { text, location } of result.errors) {
            console.error(`✘ [ERROR] ${text}`);
            if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
          }
          console.log(`[watch] build finished (${build.initialOptions.outfile})`);
        });
      },
    },
  ],
};

const entries = [
  // The extension host may import vscode; nothing else may (the worker and the CLI fail to
  // bundle if the engine ever imports it).
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The thread that decodes the second half of a dump's objects (for the worker and the CLI).
  { ...common, entryPoints: ['src/worker/objectPartHelper.ts'], outfile: 'dist/objectPartHelper.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/goheap.js', banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: ['test/integration/index.ts'],
    outfile: 'dist/test/suite/index.js',
    external: ['vscode', 'mocha'],
  },
].filter((e) => existsSync(e.entryPoints[0]));

// Codicons for the webview (the font and its css), shipped from dist/.
mkdirSync('dist/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  const results = await Promise.allSettled(entries.map((e) => esbuild.build(e)));
  if (results.some((r) => r.status === 'rejected')) process.exit(1);
}
