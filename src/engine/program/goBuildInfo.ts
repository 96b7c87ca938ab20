/**
 * The build information the Go linker writes into every program (section .go.buildinfo,
 * Go >= 1.18 layout): the Go version and the module information `go version -m` prints.
 */
import { BinaryError, ElfFile } from './elf';

export interface GoBuildInfo {
  /** e.g. "go1.26.10". */
  goVersion: string;
  /** The main package path ("command-line-arguments" for `go build file.go`), if recorded. */
  mainPath: string | undefined;
  /** build settings as key=value (`-trimpath`, GOARCH, vcs.revision, ...). */
  settings: Record<string, string>;
}

const MAGIC = '\xff Go buildinf:';

export function readGoBuildInfo(elf: ElfFile): GoBuildInfo | undefined {
  const s = elf.section('.go.buildinfo');
  if (!s) return undefined;
  const bytes = elf.sectionBytes(s);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new BinaryError(elf.fileName, s.offset, '.go.buildinfo does not start with the Go build-info magic');
  }
  const flags = bytes[15];
  if ((flags & 2) === 0) {
    throw new BinaryError(elf.fileName, s.offset + 15, 'build info of a Go release before 1.18 (pointer layout): not supported');
  }
  let pos = 32;
  const field = (): Uint8Array => {
    let len = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new BinaryError(elf.fileName, s.offset + pos, 'build info string runs past .go.buildinfo');
      const b = bytes[pos++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (pos + len > bytes.length) throw new BinaryError(elf.fileName, s.offset + pos, `build info string of ${len} bytes runs past .go.buildinfo`);
    pos += len;
    return bytes.subarray(pos - len, pos);
  };
  const utf8 = new TextDecoder();
  const goVersion = utf8.decode(field());
  const framed = field();
  // The module information is framed by two 16-byte sentinels.
  const modinfo = utf8.decode(framed.length >= 33 ? framed.subarray(16, framed.length - 16) : framed);
  let mainPath: string | undefined;
  const settings: Record<string, string> = {};
  for (const line of modinfo.split('\n')) {
    const [kind, a, b] = line.split('\t');
    if (kind === 'path') mainPath = a;
    else if (kind === 'build' && a !== undefined) {
      const eq = a.indexOf('=');
      if (eq > 0) settings[a.slice(0, eq)] = a.slice(eq + 1);
      else settings[a] = b ?? 'true';
    }
  }
  return { goVersion, mainPath, settings };
}
