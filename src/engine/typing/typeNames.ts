/**
 * What an object's type is, from the evidence in the dump alone. The namer is pluggable:
 * the Heap holds one, and richer inference (interface pairs, propagation, the program
 * binary) replaces it without touching the queries.
 */
import type { TypeGuess } from '../api';

/** Every object assigned to a type group, groups named on demand. */
export interface TypeGroups {
  /** Group of object i. */
  groupOf: Uint32Array;
  count: number;
  describe(group: number): TypeGuess;
}

export interface TypeNamer {
  /** Groups for all objects (computed once per namer and per analysis stage). */
  classify(): TypeGroups;
  /** Every candidate for object i, best first, with why. */
  evidence(i: number): TypeGuess[];
}

/** Name of a type record, saying so when the runtime cut it to its package path. */
export function typeRecordName(name: string, addr: number): string {
  return name.endsWith('.') || name === '' ? `${name}<unnamed type 0x${addr.toString(16)}>` : name;
}
