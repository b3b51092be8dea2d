/** The backend picker's `order` option (the Train page's WebGPU → WebGL → wasm → cpu). */
import { describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { BackendError, initBackend } from "../../src/lib/backend.ts";

describe("initBackend({ order })", () => {
  it("takes the first backend that initialises: Node has no WebGL, so [webgl, wasm, cpu] gives wasm", async () => {
    const lines: string[] = [];
    expect(await initBackend({ order: ["webgl", "wasm", "cpu"], log: (l) => lines.push(l) })).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(lines.at(-1)).toBe("backend: wasm (first of webgl, wasm, cpu to initialise)");
    expect(await initBackend({ order: ["cpu", "wasm"] })).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });

  it("names every backend it tried when none initialises", async () => {
    await expect(initBackend({ order: ["webgl"] })).rejects.toThrow(BackendError);
    await expect(initBackend({ order: ["webgl", "tensorflow"] })).rejects.toThrow("none of the backends webgl, tensorflow could be initialised");
  });

  it("an explicit backend still wins over the order", async () => {
    expect(await initBackend({ backend: "cpu", order: ["wasm"] })).toBe("cpu");
  });
});
