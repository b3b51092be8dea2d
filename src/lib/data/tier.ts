/** Question tiers (a type of its own: samples, families and configs all name it). */
/**
 * "reasoning": the family's questions, which need what is read combined or computed;
 * "perception": questions that need one thing read off the image and nothing more (one
 * digit, one bar, one count), so a report can show reading apart from reasoning.
 */
export const TIERS = ["reasoning", "perception"] as const;
export type Tier = (typeof TIERS)[number];
