import { type BackendName, initBackend, tf } from '@mmnet/core-tensors';
import { expect } from 'vitest';

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, env: {}, log: null });
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A small CLEVR-like program vocabulary and some programs over it (prefix tokens). */
export const TOKENS = [
  'scene',
  'filter_color[red]',
  'filter_shape[cube]',
  'unique',
  'relate[left]',
  'query_color',
  'count',
  'equal_color',
  'union',
  'exist',
];

export const PROGRAMS: string[][] = [
  ['count', 'filter_color[red]', 'scene'],
  ['query_color', 'unique', 'relate[left]', 'unique', 'filter_shape[cube]', 'scene'],
  ['equal_color', 'query_color', 'unique', 'filter_color[red]', 'scene', 'query_color', 'unique', 'scene'],
  ['exist', 'union', 'filter_color[red]', 'scene', 'union', 'scene', 'filter_shape[cube]', 'scene'],
  ['count', 'scene'],
];
