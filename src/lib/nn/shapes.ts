/** Element counts of shapes and of a model's named parameter shapes. */

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Total parameters of a `name → shape` table. */
export function countParams(shapes: ReadonlyMap<string, readonly number[]>): number {
  let n = 0;
  for (const s of shapes.values()) n += numel(s);
  return n;
}
