// Where the benches find their C drivers (bench/CMakeLists.txt; scripts/build-c.sh builds them into the release
// tree) and where they write their results.
import { join } from 'node:path';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';

export const resultsDirectory = join(repositoryRoot, 'build', 'bench');

export function driverPath(name: string): string {
  return join(repositoryRoot, 'build', 'c', 'bench', name);
}
