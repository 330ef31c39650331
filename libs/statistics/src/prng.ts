/**
 * Mulberry32: a tiny 32-bit seeded generator (Tommy Ettinger's public-domain design). It uses only 32-bit
 * integer arithmetic (Math.imul, shifts), so the same seed yields the same sequence on every JavaScript engine
 * and platform — which is what makes a stored bootstrap interval reproducible.
 */
// Bound once: inside sandboxed module loaders (test runners) every global lookup in a hot loop is slow.
const imul = Math.imul;

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
