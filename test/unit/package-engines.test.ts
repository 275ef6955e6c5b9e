// The package as a consumer installs it: a LICENSE matching package.json, and no runtime dependency in the lock that refuses the Node version `engines` promises (npm would warn EBADENGINE).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; engines: { node: string }; overrides?: unknown };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }> };

type Version = readonly [number, number, number];

function parseVersion(s: string): Version {
  const m = /^v?(\d+)(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?/.exec(s.trim());
  if (!m) throw new Error(`cannot read version ${JSON.stringify(s)}`);
  const n = (x: string | undefined): number => (x === undefined || x === 'x' || x === '*' ? 0 : Number(x));
  return [Number(m[1]), n(m[2]), n(m[3])];
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `v` satisfies an engines range of the forms npm packages use: `||` alternatives of
 * space-separated comparators (`>=X`, `>= X`, `>X`, `<X`, `<=X`, `^X`, `~X`, `X`, `X.*`, `*`).
 * Anything else throws, so a new form is noticed rather than passed.
 */
export function satisfies(v: Version, range: string): boolean {
  return range.split('||').some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.every((c) => {
      if (c === '*' || c === 'x') return true;
      const m = /^(>=|<=|>|<|\^|~|=)?(.+)$/.exec(c);
      if (!m) throw new Error(`cannot read range ${JSON.stringify(range)}`);
      const op = m[1];
      const raw = m[2]!;
      const r = parseVersion(raw);
      const given = raw.replace(/^v/, '').split('.').filter((x) => x !== '' && x !== 'x' && x !== '*').length;
      switch (op) {
        case '>=':
          return cmp(v, r) >= 0;
        case '>':
          return cmp(v, r) > 0;
        case '<=':
          return cmp(v, r) <= 0;
        case '<':
          return cmp(v, r) < 0;
        case '^':
          return cmp(v, r) >= 0 && v[0] === r[0];
        case '~':
          return cmp(v, r) >= 0 && v[0] === r[0] && (given < 2 || v[1] === r[1]);
        case '=':
        case undefined:
          // A partial version (`20`, `8.*`) matches every release it names.
          return v[0] === r[0] && (given < 2 || v[1] === r[1]) && (given < 3 || v[2] === r[2]);
        default:
          throw new Error(`cannot read range ${JSON.stringify(range)}`);
      }
    });
  });
}

describe('the package a consumer installs', () => {
  it('ships an Apache-2.0 LICENSE, as package.json declares', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(text).toMatch(/END OF TERMS AND CONDITIONS/);
  });

  it('reads engines ranges as npm does', () => {
    const v20: Version = [20, 19, 0];
    expect(satisfies(v20, '>=20')).toBe(true);
    expect(satisfies(v20, '>= 0.8')).toBe(true);
    expect(satisfies(v20, '>=22')).toBe(false);
    expect(satisfies(v20, '18 || 20 || >=22')).toBe(true);
    expect(satisfies(v20, '^16 || ^18 || >=20')).toBe(true);
    expect(satisfies(v20, '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies(v20, '^20.20.0')).toBe(false);
    expect(satisfies(v20, '>=14 <20')).toBe(false);
    expect(satisfies(v20, '*')).toBe(true);
  });

  it("every runtime dependency in the lock supports the oldest Node that engines allows (overrides do not reach a consumer's install)", () => {
    // Overrides apply only to this checkout's own install: a consumer would get the
    // unoverridden versions and npm's EBADENGINE warnings, so the pins live in dependencies.
    expect(pkg.overrides).toBeUndefined();
    const floor = parseVersion(pkg.engines.node.replace(/^>=\s*/, ''));
    expect(pkg.engines.node).toMatch(/^>=\s*\d+\.\d+/);
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.engines?.node !== undefined && !satisfies(floor, p.engines.node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${p.engines!.node}`);
    expect(refused).toEqual([]);
  });
});
