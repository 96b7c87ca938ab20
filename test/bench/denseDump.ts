/**
 * The benchmark's dense synthetic dump: test/bench/denseheap (a Go program) builds a heap of
 * about `mb` MB of small linked objects and writes its heap dump. Made once per size, in
 * `dataDir` (bench-data/, gitignored), with the binary that wrote it. Needs Go.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';

export function denseDump(dataDir: string, mb: number): { file: string; binary: string } {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `dense-${mb}mb.heapdump`);
  const binary = join(dataDir, 'denseheap');
  const env = { ...process.env, GOFLAGS: '-buildvcs=false', GOPROXY: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  if (!existsSync(binary)) execFileSync('go', ['build', '-o', binary, '.'], { cwd: join(__dirname, 'denseheap'), env, stdio: 'inherit' });
  if (!existsSync(file)) {
    console.log(`generating ${file} (denseheap -mb ${mb})...`);
    execFileSync(binary, ['-mb', String(mb), '-out', file], { stdio: 'inherit' });
  }
  return { file, binary };
}
