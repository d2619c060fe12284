// `--quick`, which every bench takes: the same code paths on tiny inputs in a few seconds, so `npm test` fails
// when a bench no longer runs. A quick run's figures are not measurements; only the full run's are.
export const quick = process.argv.includes('--quick');

/** A size, count or time budget: `full` in a real run, `small` under --quick. */
export function sized<T>(full: T, small: T): T {
  return quick ? small : full;
}

/** Says so at the top of a quick run, so nobody copies its figures into BENCHMARKS.md. */
export function announceQuick(): void {
  if (quick) console.log('--quick: tiny inputs, the same code paths; these figures are not measurements\n');
}

/** The name of a bench's results file under build/bench/: a quick run writes beside the full run's, never over it. */
export function resultsFile(bench: string): string {
  return quick ? `${bench}.quick.json` : `${bench}.json`;
}
