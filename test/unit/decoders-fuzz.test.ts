// Short fuzz run of every decoder of outside input (the long one is `npm run bench:fuzz`): see test/fuzz/decoders.ts.
// A failure prints fast-check's seed and shrunk counterexample; replay with FUZZ_SEED=<seed>.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { targets } from '../fuzz/decoders.ts';

const RUNS = 3000;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

describe('decoders under fuzzing: a valid result or a DomainError naming a field, nothing else', () => {
  for (const t of targets()) {
    it(`${t.name}: ${RUNS} inputs`, async () => {
      await fc.assert(t.property(), { numRuns: RUNS, seed, endOnFailure: false });
    });
  }
});
