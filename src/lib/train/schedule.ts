/**
 * Learning-rate schedule: linear warm-up, then cosine decay from `peak` to `floor` (the
 * paper: cosine 1e-4 → 1e-6 in each training step).
 */
export interface CosineSchedule {
  peak: number;
  floor: number;
  warmupSteps: number;
  totalSteps: number;
}

/** lr at `step` (0-based). */
export function cosineLr(s: CosineSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.floor + 0.5 * (s.peak - s.floor) * (1 + Math.cos(Math.PI * progress));
}
