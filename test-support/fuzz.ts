/**
 * How many cases each fast-check property runs and from which seed: `defaultRuns` and a fixed seed in the test
 * suite, more through FUZZ_RUNS (`pnpm fuzz`) and another seed through FUZZ_SEED.
 */
export function fuzzSettings(defaultRuns: number): { runs: number; seed: number } {
  return {
    runs: Number(process.env.FUZZ_RUNS ?? defaultRuns),
    seed: process.env.FUZZ_SEED === undefined ? 20_240_602 : Number(process.env.FUZZ_SEED),
  };
}
