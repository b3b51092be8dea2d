/** Node only: the MNIST digits of the `mnist` package, loaded once (about 21 MB of JSON). */
import { createRequire } from "node:module";
import { digitSourceFromMnist, type DigitSource, type MnistPackage } from "./mnist-digits.ts";

let cached: DigitSource | undefined;

export function loadMnistDigits(): DigitSource {
  if (!cached) cached = digitSourceFromMnist(createRequire(import.meta.url)("mnist") as MnistPackage);
  return cached;
}
