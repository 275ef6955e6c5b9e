/** Where tests find the data files kept in the repository. */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Ryu/os-ken conformance vectors, copied into `test/fixtures/ryu` (see its README). */
export const RYU_VECTORS = fileURLToPath(new URL('../fixtures/ryu', import.meta.url));

/**
 * The files of a fixture directory, throwing when it is missing or empty:
 * a test whose data is gone must fail loudly, never skip.
 */
export function fixtureFiles(dir: string, filter: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) throw new Error(`test fixture directory missing: ${dir}`);
  const files = readdirSync(dir).filter(filter).sort();
  if (files.length === 0) throw new Error(`test fixture directory has no matching files: ${dir}`);
  return files;
}
