/**
 * UnsortedSegmentSum, plain reference: out[segmentIds[i], ...] += x[i, ...].
 * x: [m, ...rest] (flattened to [m, k]), segmentIds: [m] → out: [numSegments, k].
 * Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export function unsortedSegmentSumRef(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  k: number,
): Float32Array {
  const out = new Float32Array(numSegments * k);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let j = 0; j < k; j++) out[s * k + j]! += x[i * k + j]!;
  }
  return out;
}
