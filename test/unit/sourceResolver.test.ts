/**
 * Mapping build paths from a dump onto local files, with an in-memory file system: every
 * kind of path the Go toolchain writes, mappings, ties, and Go symbol names.
 */
import * as assert from 'assert';
import {
  GoModule, ResolverEnv, deriveMapping, escapeModulePath, findDeclaration, parseGoSymbol, resolveSourcePath,
  unescapeModulePath,
} from '../../src/host/sourceResolver';

function env(files: string[], opts: Partial<Omit<ResolverEnv, 'modules'>> & { modules?: GoModule[] } = {}): ResolverEnv {
  const set = new Set(files);
  return {
    isFile: async (p) => set.has(p),
    workspaceFiles: async () => files.filter((f) => f.startsWith('/ws/')),
    modules: async () => opts.modules ?? [],
    goroot: opts.goroot ?? '/opt/go',
    goroots: opts.goroots,
    goVersion: opts.goVersion,
    gomodcache: opts.gomodcache ?? '/home/me/go/pkg/mod',
    mappings: opts.mappings ?? [],
  };
}

const found = (path: string) => ({ kind: 'found', path });

async function resolved(p: string, e: ResolverEnv) {
  const r = await resolveSourcePath(p, e);
  return r.kind === 'found' ? { kind: r.kind, path: r.path } : r;
}

describe('source resolver', function () {
  it('keeps an absolute path that exists', async function () {
    assert.deepStrictEqual(await resolved('/ws/app/main.go', env(['/ws/app/main.go'])), found('/ws/app/main.go'));
  });

  it('maps a foreign absolute path to the workspace file with the longest common suffix', async function () {
    const e = env(['/ws/app/cmd/leak/handler.go', '/ws/app/cmd/other/handler.go', '/ws/app/handler.go']);
    assert.deepStrictEqual(await resolved('/home/gopher/heapdemo/cmd/leak/handler.go', e), found('/ws/app/cmd/leak/handler.go'));
  });

  it('reports a tie of equally long suffixes instead of guessing', async function () {
    const e = env(['/ws/a/cmd/main.go', '/ws/b/cmd/main.go']);
    assert.deepStrictEqual(await resolveSourcePath('/build/x/cmd/main.go', e), { kind: 'ambiguous', candidates: ['/ws/a/cmd/main.go', '/ws/b/cmd/main.go'] });
  });

  it('resolves -trimpath module paths through go.mod module lines (longest module first)', async function () {
    const modules = [{ path: 'example.com/heapdemo', dir: '/ws/demo' }, { path: 'example.com/heapdemo/tools', dir: '/ws/tools' }];
    const e = env(['/ws/demo/cmd/leak/handler.go', '/ws/tools/gen/main.go'], { modules });
    assert.deepStrictEqual(await resolved('example.com/heapdemo/cmd/leak/handler.go', e), found('/ws/demo/cmd/leak/handler.go'));
    assert.deepStrictEqual(await resolved('example.com/heapdemo/tools/gen/main.go', e), found('/ws/tools/gen/main.go'));
  });

  it('resolves foreign and -trimpath GOROOT paths to the local GOROOT', async function () {
    const e = env(['/opt/go/src/runtime/proc.go', '/opt/go/src/internal/poll/fd_unix.go']);
    assert.deepStrictEqual(await resolved('/usr/local/go/src/runtime/proc.go', e), found('/opt/go/src/runtime/proc.go'));
    assert.deepStrictEqual(await resolved('/usr/lib/go-1.22/src/internal/poll/fd_unix.go', e), found('/opt/go/src/internal/poll/fd_unix.go'));
    assert.deepStrictEqual(await resolved('runtime/proc.go', e), found('/opt/go/src/runtime/proc.go'));
  });

  it("opens the standard library of the dump's Go release when one is installed, and says when only another release is", async function () {
    const files = ['/opt/go/src/runtime/proc.go', '/usr/lib/go-1.19/src/runtime/proc.go', '/usr/local/go-1.26/src/runtime/proc.go',
      '/home/me/sdk/go1.26.2/src/runtime/proc.go', '/usr/lib/go-1.19/src/runtime/mgc.go'];
    const goroots = async () => [
      { dir: '/opt/go', version: 'go1.19.8' }, { dir: '/usr/lib/go-1.19', version: 'go1.19.8' },
      { dir: '/usr/local/go-1.26', version: 'go1.26.10' }, { dir: '/home/me/sdk/go1.26.2', version: 'go1.26.2' },
    ];
    const at = async (p: string, goVersion: string | undefined) => {
      const r = await resolveSourcePath(p, env(files, { goroots, goVersion }));
      return r.kind === 'found' ? { path: r.path, otherVersion: r.otherVersion } : r;
    };
    // The exact version first, then the same release, whatever the configured GOROOT is.
    assert.deepStrictEqual(await at('/usr/local/go/src/runtime/proc.go', 'go1.26.2'), { path: '/home/me/sdk/go1.26.2/src/runtime/proc.go', otherVersion: undefined });
    assert.deepStrictEqual(await at('runtime/proc.go', 'go1.26.1-X:nocoverageredesign'), { path: '/usr/local/go-1.26/src/runtime/proc.go', otherVersion: undefined });
    assert.deepStrictEqual(await at('runtime/proc.go', 'go1.19.13'), { path: '/opt/go/src/runtime/proc.go', otherVersion: undefined });
    // Only another release has the file: opened, and marked as another version's.
    assert.deepStrictEqual(await at('runtime/mgc.go', 'go1.26.0'), { path: '/usr/lib/go-1.19/src/runtime/mgc.go', otherVersion: { dump: 'go1.26.0', local: 'go1.19.8' } });
    // A path that exists as it is, inside an installation of another release, is marked too.
    assert.deepStrictEqual(await at('/usr/lib/go-1.19/src/runtime/mgc.go', 'go1.26.0'), { path: '/usr/lib/go-1.19/src/runtime/mgc.go', otherVersion: { dump: 'go1.26.0', local: 'go1.19.8' } });
    // Without the dump's version: the configured GOROOT, nothing said.
    assert.deepStrictEqual(await at('runtime/proc.go', undefined), { path: '/opt/go/src/runtime/proc.go', otherVersion: undefined });
  });

  it('resolves module-cache paths, with upper case escaped as !x on disk', async function () {
    const onDisk = '/home/me/go/pkg/mod/github.com/!azure/azure-sdk@v1.2.3/sdk/client.go';
    const e = env([onDisk]);
    assert.deepStrictEqual(await resolved('/root/go/pkg/mod/github.com/!azure/azure-sdk@v1.2.3/sdk/client.go', e), found(onDisk));
    assert.deepStrictEqual(await resolved('github.com/Azure/azure-sdk@v1.2.3/sdk/client.go', e), found(onDisk));
    assert.strictEqual(escapeModulePath('github.com/Azure/SDK'), 'github.com/!azure/!s!d!k');
    assert.strictEqual(unescapeModulePath('github.com/!azure/!s!d!k'), 'github.com/Azure/SDK');
  });

  it('finds a module-cache path in a workspace checkout of that module', async function () {
    const e = env(['/ws/sdk/sdk/client.go'], { modules: [{ path: 'github.com/Azure/azure-sdk', dir: '/ws/sdk' }], gomodcache: '/nowhere' });
    assert.deepStrictEqual(await resolved('/root/go/pkg/mod/github.com/!azure/azure-sdk@v1.2.3/sdk/client.go', e), found('/ws/sdk/sdk/client.go'));
  });

  it('resolves vendored packages into a module\'s vendor directory', async function () {
    const e = env(['/ws/app/vendor/github.com/pkg/errors/errors.go'], { modules: [{ path: 'example.com/app', dir: '/ws/app' }] });
    assert.deepStrictEqual(await resolved('/ci/build/app/vendor/github.com/pkg/errors/errors.go', e), found('/ws/app/vendor/github.com/pkg/errors/errors.go'));
    assert.deepStrictEqual(await resolved('github.com/pkg/errors/errors.go', e), found('/ws/app/vendor/github.com/pkg/errors/errors.go'));
  });

  it('applies user mappings first, the longest prefix winning', async function () {
    const e = env(['/ws/app/main.go', '/ws/lib/x.go', '/build/app/main.go'], {
      mappings: [{ from: '/build', to: '/ws' }, { from: '/build/app/', to: '/ws/app' }],
    });
    assert.deepStrictEqual(await resolved('/build/app/main.go', e), found('/ws/app/main.go'));
    assert.deepStrictEqual(await resolved('/build/lib/x.go', e), found('/ws/lib/x.go'));
  });

  it('does not match a mapping inside a path element', async function () {
    const e = env(['/ws/x.go'], { mappings: [{ from: '/build/ap', to: '/ws' }] });
    const r = await resolveSourcePath('/build/app/x.go', e);
    assert.ok(r.kind === 'found' && r.how.startsWith('workspace file'), `found by suffix, not by the mapping: ${JSON.stringify(r)}`);
  });

  it('gives up on "?" files and paths that match nothing', async function () {
    assert.deepStrictEqual(await resolveSourcePath('?', env([])), { kind: 'missing' });
    assert.deepStrictEqual(await resolveSourcePath('/elsewhere/zzz.go', env(['/ws/a.go'])), { kind: 'missing' });
  });

  it('learns a prefix mapping from a "Locate file..." answer', function () {
    assert.deepStrictEqual(deriveMapping('/home/gopher/app/cmd/x.go', '/ws/src/app/cmd/x.go'), { from: '/home/gopher', to: '/ws/src' });
    assert.deepStrictEqual(deriveMapping('/a/b/one.go', '/ws/two.go'), { from: '/a/b/one.go', to: '/ws/two.go' });
  });
});

describe('Go symbols and declarations', function () {
  it('parses the names the runtime gives functions, methods and closures', function () {
    assert.deepStrictEqual(parseGoSymbol('main.main'), { packagePath: 'main', packageName: 'main', name: 'main' });
    assert.deepStrictEqual(parseGoSymbol('main.(*server).handleRequest'), { packagePath: 'main', packageName: 'main', receiver: 'server', name: 'handleRequest' });
    assert.deepStrictEqual(parseGoSymbol('example.com/heapdemo/internal/dumputil.Write'),
      { packagePath: 'example.com/heapdemo/internal/dumputil', packageName: 'dumputil', name: 'Write' });
    assert.deepStrictEqual(parseGoSymbol('main.startBackground.func1'), { packagePath: 'main', packageName: 'main', name: 'startBackground' });
    assert.deepStrictEqual(parseGoSymbol('main.Rect.Area'), { packagePath: 'main', packageName: 'main', receiver: 'Rect', name: 'Area' });
    assert.deepStrictEqual(parseGoSymbol('sync.(*WaitGroup).Wait'), { packagePath: 'sync', packageName: 'sync', receiver: 'WaitGroup', name: 'Wait' });
    assert.deepStrictEqual(parseGoSymbol('example.com/x.Map[...]'), { packagePath: 'example.com/x', packageName: 'x', name: 'Map' });
    assert.strictEqual(parseGoSymbol('main.glob..func1'), undefined);
    assert.strictEqual(parseGoSymbol('(0x4a1b2c)'), undefined);
  });

  it('finds the declaring line in the right package only', function () {
    const src = 'package main\n\nimport "sync"\n\n// worker waits.\nfunc worker(id int) {\n}\n\nfunc (s *server) handle(r int) error {\n\treturn nil\n}\n';
    assert.strictEqual(findDeclaration(src, { packagePath: 'main', packageName: 'main', name: 'worker' }), 6);
    assert.strictEqual(findDeclaration(src, { packagePath: 'main', packageName: 'main', receiver: 'server', name: 'handle' }), 9);
    assert.strictEqual(findDeclaration(src, { packagePath: 'x/other', packageName: 'other', name: 'worker' }), undefined);
    assert.strictEqual(findDeclaration('package main\nfunc workerPool() {}\n', { packagePath: 'main', packageName: 'main', name: 'worker' }), undefined);
  });
});
