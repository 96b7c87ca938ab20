/**
 * A full garbage collection on demand, so that the typed arrays one analysis phase drops
 * are returned to the system before the next phase allocates its own (V8 frees an
 * ArrayBuffer's memory only when it collects it). V8's gc is exposed at run time.
 */
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
