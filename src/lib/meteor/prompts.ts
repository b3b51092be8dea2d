/**
 * Meteor's prompts, exactly as the official code lays them out (spec §3), with InternLM2's
 * chat markers `<|im_start|>` / `<|im_end|>` (the spec's [user-start]/[start] and [end]).
 *
 * Meteor-Mamba:  <s><|im_start|>user\n<image>\n{question}<|im_end|>\n<|im_start|>rationale\n{TOR}<|im_end|>\n</s>
 * Meteor-MLM:    <s><tor>×N<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n<image>{question}{suffix}<|im_end|>\n<|im_start|>assistant\n
 *
 * TOR is `placeTor(rationale)` in training step 1 and N bare `<tor>` otherwise. Text-only
 * samples drop `<image>` (as the official code does for image-less questions). The
 * baselines change only the MLM prompt: "mlm" drops the `<tor>` run; "oracle" adds the
 * rationale to the user turn. In training step 1 the MLM's prompt has no user turn
 * (`userTurn: false`): it must regenerate the rationale from the `<tor>` features alone.
 */
export const IMAGE_TOKEN = "<image>";
export const TOR_TOKEN = "<tor>";
export const BOS = "<s>";
export const EOS = "</s>";
export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";

/** Meteor's system message (official code). */
export const SYSTEM_MESSAGE = "You should give helpful answer to user based on the rationale.";
/** The short-answer suffix appended to questions (LLaVA-1.5's wording). */
export const ANSWER_SUFFIX = "\nAnswer the question using a single word or phrase.";

export function mambaPrompt(question: string, torText: string, hasImage: boolean): string {
  const image = hasImage ? `${IMAGE_TOKEN}\n` : "";
  return `${BOS}${IM_START}user\n${image}${question}${IM_END}\n${IM_START}rationale\n${torText}${IM_END}\n${EOS}`;
}

/**
 * The baselines and Meteor differ only in what precedes the answer. "rationale" (Table 3's
 * "no Mamba / rationale": the MLM trained on rationales) has the "mlm" prompt; what differs
 * is its target, `rationaleThenAnswer`.
 */
export type MlmPromptKind = "meteor" | "mlm" | "oracle" | "rationale";

export function mlmPrompt(opts: {
  question: string;
  hasImage: boolean;
  numTor: number;
  kind?: MlmPromptKind;
  /** Required for "oracle". */
  rationale?: string;
  /** Include the user turn (image and question). Default true; false in training step 1. */
  userTurn?: boolean;
}): string {
  const kind = opts.kind ?? "meteor";
  const tors = kind === "meteor" ? TOR_TOKEN.repeat(opts.numTor) : "";
  const image = opts.hasImage ? IMAGE_TOKEN : "";
  let user = `${image}${opts.question}${ANSWER_SUFFIX}`;
  if (kind === "oracle") {
    if (!opts.rationale) throw new Error("the oracle prompt needs the rationale");
    user = `${image}${opts.question}\nRationale: ${opts.rationale}${ANSWER_SUFFIX}`;
  }
  const userPart = opts.userTurn === false ? "" : `${IM_START}user\n${user}${IM_END}\n`;
  return `${BOS}${tors}${IM_START}system\n${SYSTEM_MESSAGE}${IM_END}\n${userPart}${IM_START}assistant\n`;
}

/** What the MLM is trained to produce after its prompt. */
export const mlmTarget = (text: string): string => `${text}${IM_END}`;

/** Between the "rationale" system's two assistant turns: its rationale, then its answer. */
export const ANSWER_TURN = `${IM_END}\n${IM_START}assistant\n`;

/** The "rationale" system's target text (before `mlmTarget`): the rationale as one assistant turn, the answer as the next. */
export const rationaleThenAnswer = (rationale: string, answer: string): string => `${rationale}${ANSWER_TURN}${answer}`;

/** The words of every template, so a tokenizer built from data also covers the prompts. */
export const TEMPLATE_TEXTS = [
  mambaPrompt("", "", true),
  mlmPrompt({ question: "", hasImage: true, numTor: 1, kind: "oracle", rationale: "x" }),
  "user rationale system assistant",
];
