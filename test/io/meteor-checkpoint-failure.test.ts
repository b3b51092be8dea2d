/**
 * A save that dies at each of its file-system operations in turn, deterministically: the
 * N-th call into node:fs/promises (or onto a file handle) fails, and so does every call
 * after it, as if the process had been killed there (no clean-up runs). After every such
 * death the run directory must load: the old checkpoint or the new one, each complete, or
 * nothing at all before the first save. The next save then clears the debris.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const crash = vi.hoisted(() => ({ at: Infinity, calls: 0, ops: [] as string[] }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const step = (op: string): void => {
    crash.ops.push(op);
    if (++crash.calls >= crash.at) throw Object.assign(new Error(`simulated crash at call ${crash.calls} (${op})`), { code: "ECRASH" });
  };
  const wrap = <A extends unknown[], R>(op: string, f: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    step(op);
    return f(...args);
  };
  const open: typeof real.open = async (...args) => {
    step("open");
    const handle = await real.open(...args);
    const [writeFile, sync, close] = [handle.writeFile.bind(handle), handle.sync.bind(handle), handle.close.bind(handle)];
    return Object.assign(handle, {
      writeFile: wrap("write", writeFile as (data: Uint8Array) => Promise<void>),
      sync: wrap("fsync", sync),
      close: async () => {
        await close(); // a dead process's files are closed too
        step("close");
      },
    });
  };
  const fns = {
    open,
    rename: wrap("rename", real.rename),
    rm: wrap("rm", real.rm),
    mkdir: wrap("mkdir", real.mkdir),
    readdir: wrap("readdir", real.readdir),
    readFile: wrap("readFile", real.readFile),
    stat: wrap("stat", real.stat),
    unlink: wrap("unlink", real.unlink),
  };
  return { ...real, ...fns, default: { ...real, ...fns } };
});

const tf = await import("../../src/lib/tf.ts");
const { initBackend } = await import("../../src/lib/backend.ts");
const { resolveMeteorConfig } = await import("../../src/lib/meteor/config.ts");
type MeteorConfigInput = import("../../src/lib/meteor/config.ts").MeteorConfigInput;
const { initMeteorVariables } = await import("../../src/lib/meteor/params.ts");
const { CheckpointError, loadCheckpoint, saveCheckpoint } = await import("../../src/lib/io/meteor-checkpoint.ts");
type MeteorCheckpoint = import("../../src/lib/io/meteor-checkpoint.ts").MeteorCheckpoint;

/** Smaller than the tiny preset: this file saves about 300 checkpoints, and only their files matter here. */
const INPUT: MeteorConfigInput = {
  vocabSize: 40,
  numTor: 2,
  vision: { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 16 },
  mamba: { dModel: 8, nLayer: 1, dState: 4 },
  mlm: { dModel: 8, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 16 },
};
const variants: Record<string, MeteorCheckpoint & { params: Record<string, import("../../src/lib/tf.ts").Tensor> }> = {};
const dirs: string[] = [];
const bits = (t: import("../../src/lib/tf.ts").Tensor): Buffer => Buffer.from(new Float32Array(t.dataSync()).buffer);

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  const cfg = resolveMeteorConfig(INPUT);
  for (const [name, seed] of [["old", 1], ["new", 2]] as const) {
    const params = initMeteorVariables(cfg, seed);
    variants[name] = { config: INPUT, params, tokenizer: { seed }, state: { variant: name } };
  }
});

afterAll(() => {
  for (const v of Object.values(variants)) tf.dispose(Object.values(v.params));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The variant the run directory loads as, checked bit for bit, or null when it has no checkpoint yet. */
async function loadVariant(dir: string): Promise<string | null> {
  let l;
  try {
    l = await loadCheckpoint(dir);
  } catch (e) {
    const none = /no such checkpoint or run directory|not a checkpoint: no latest\.json/;
    if (e instanceof CheckpointError && none.test(e.message)) return null;
    throw e;
  }
  try {
    const name = (l.state as { variant: string }).variant;
    for (const [p, t] of Object.entries(variants[name]!.params)) expect(bits(l.params[p]!).equals(bits(t)), `${l.dir} ${p}`).toBe(true);
    return name;
  } finally {
    tf.dispose(Object.values(l.params));
  }
}

/**
 * Runs `setup` (no failures), then `save` dying at call 1, 2, … until it completes; after
 * each death checks what loads. Returns how many deaths were tried and what loaded.
 */
async function dieEverywhere(setup: (dir: string) => Promise<unknown>, save: (dir: string) => Promise<unknown>) {
  const outcomes: (string | null)[] = [];
  for (let n = 1; n < 1000; n++) {
    const base = mkdtempSync(join(tmpdir(), "meteor-ckpt-fail-"));
    dirs.push(base);
    const dir = join(base, "run");
    crash.at = Infinity;
    await setup(dir);
    crash.calls = 0;
    crash.ops = [];
    crash.at = n;
    const err = await save(dir).then(() => null, (e: Error) => e);
    crash.at = Infinity;
    if (err === null) return { deaths: n - 1, outcomes, ops: crash.ops };
    expect(err.message, `death at call ${n}`).toContain("simulated crash");
    const outcome = await loadVariant(dir);
    outcomes.push(outcome);
    // A later save succeeds, keeps one complete previous checkpoint (if there was one),
    // and leaves no debris behind.
    await saveCheckpoint(dir, variants.new!, { step: 99 });
    const names = readdirSync(dir);
    const kept = names.filter((n) => n !== "latest.json" && n !== "step-000099");
    expect(names.length - kept.length, `${names}`).toBe(2);
    expect(kept.length, `${names}`).toBe(outcome === null ? Math.min(kept.length, 1) : 1);
    for (const k of kept) {
      expect(k).toMatch(/^step-\d+$/);
      expect(await loadVariant(join(dir, k))).not.toBeNull();
    }
    rmSync(base, { recursive: true });
  }
  throw new Error("save never completed");
}

describe("a save dying at each file-system call", () => {
  it("re-saving the step latest.json names: the old or the new checkpoint loads", async () => {
    const { deaths, outcomes, ops } = await dieEverywhere(
      (dir) => saveCheckpoint(dir, variants.old!, { step: 10 }),
      (dir) => saveCheckpoint(dir, variants.new!, { step: 10 }),
    );
    expect(deaths).toBe(ops.length);
    expect(deaths).toBeGreaterThan(20);
    expect(outcomes[0]).toBe("old");
    expect(outcomes.at(-1)).toBe("new");
    expect(outcomes.every((o) => o === "old" || o === "new")).toBe(true);
  });

  it("saving a new step and pruning the oldest", async () => {
    const { deaths, outcomes } = await dieEverywhere(
      async (dir) => {
        await saveCheckpoint(dir, variants.new!, { step: 10 });
        await saveCheckpoint(dir, variants.old!, { step: 20 });
      },
      (dir) => saveCheckpoint(dir, variants.new!, { step: 30 }),
    );
    expect(deaths).toBeGreaterThan(20);
    expect(new Set(outcomes)).toEqual(new Set(["old", "new"]));
  });

  it("the first save: nothing, or the whole checkpoint", async () => {
    const { outcomes } = await dieEverywhere(
      async () => {},
      (dir) => saveCheckpoint(dir, variants.new!, { step: 0 }),
    );
    expect(outcomes[0]).toBeNull();
    expect(outcomes.at(-1)).toBe("new");
    expect(outcomes.every((o) => o === null || o === "new")).toBe(true);
  });
});
