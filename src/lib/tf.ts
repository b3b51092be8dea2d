/**
 * TensorFlow.js core with its chained tensor methods (`x.reshape(…)`, `x.add(…)`) and its
 * gradients registered. tfjs-core registers both only through the `@tensorflow/tfjs`
 * umbrella package, which this project does not install, so the library imports tf from here.
 */
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import "@tensorflow/tfjs-core/dist/register_all_gradients";

export * from "@tensorflow/tfjs-core";
