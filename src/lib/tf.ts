/**
 * TensorFlow.js core with its chained tensor methods (`x.reshape(…)`, `x.add(…)`) and its
 * gradients registered. tfjs-core registers both only through the `@tensorflow/tfjs`
 * umbrella package, which this project does not install, so the library imports tf from here.
 */
import "@tensorflow/tfjs";

export * from "@tensorflow/tfjs-core";
