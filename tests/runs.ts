// How many cases a property test tries: a quick number for everyday `npm test`, a deep one where
// LOGITLAB_DEEP_TESTS is set (CI sets it in .ci/run), so the slow runs still guard every landing.
export const DEEP_TESTS = process.env.LOGITLAB_DEEP_TESTS === '1';

export function runs(everyday: number, deep: number): number {
  return DEEP_TESTS ? deep : everyday;
}
