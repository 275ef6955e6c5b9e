/** Reads the deployment files kept in the repository (Dockerfile, docker-compose.yml, the systemd unit) the way their tools do, for tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './docs.js';

/** The systemd unit's `Key=Value` lines by section, repeated keys in order (comments and blanks dropped). */
export function readUnit(path = join(ROOT, 'contrib/systemd/signalbox.service')): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = new Map();
      sections.set(sec[1]!, current);
      continue;
    }
    const i = line.indexOf('=');
    if (!current || i <= 0) throw new Error(`${path}: not a unit line: ${raw}`);
    const key = line.slice(0, i).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(i + 1).trim()]);
  }
  return sections;
}

/** A systemd command line split as systemd does for plain words and double quotes (no specifiers used). */
export function unitArgv(cmd: string): string[] {
  return [...cmd.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** `Environment=` assignments of a unit (`A=1 "B=two words"`). */
export function unitEnvironment(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) for (const a of unitArgv(v)) env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  return env;
}

/** docker-compose.yml with its YAML merge keys applied. */
export function readCompose(): { services: Record<string, { image?: string; build?: unknown; command?: string[] | string; environment?: Record<string, string>; ports?: string[]; depends_on?: unknown; healthcheck?: unknown }> } {
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ReturnType<typeof readCompose>;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolation, from `vars`. */
export function interpolate(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '-') return arg;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

/** The Dockerfile's instructions, continuation lines joined, by stage (each FROM starts one). */
export function readDockerfile(): { from: string; instructions: { op: string; args: string }[] }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: { from: string; instructions: { op: string; args: string }[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile: not an instruction: ${raw}`);
    if (m[1] === 'FROM') stages.push({ from: m[2]!, instructions: [] });
    else stages.at(-1)!.instructions.push({ op: m[1]!, args: m[2]!.replace(/\s+/g, ' ') });
  }
  return stages;
}
