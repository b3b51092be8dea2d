/** One step's shapes: what the peer needs to run the same computation. */
export interface StepShape {
  batch: number;
  /** Padded Mamba sequence length (0 when the batch has no Mamba side). */
  mambaLength: number;
  /** Padded MLM sequence length. */
  mlmLength: number;
  /** Images in the batch (rows that have one). */
  images: number;
  /** Whether the MLM's sequence holds image rows (answer stage: yes; Meteor's step 1: no). */
  mlmImages: boolean;
  /** Target positions in the whole batch. */
  targets: number;
}
