/**
 * TensorFlow.js core with its chained tensor methods (`x.reshape(…)`, `x.add(…)`) registered.
 * tfjs-core registers them only through the `@tensorflow/tfjs` umbrella package, which this
 * project does not install, so the library imports tf from here.
 */
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";

export * from "@tensorflow/tfjs-core";
