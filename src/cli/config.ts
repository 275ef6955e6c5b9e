/**
 * `signalbox config check|diff|apply FILE`: the network config file (docs/config-as-code.md).
 * `check` runs here, against the built-in apps (no controller needed); `diff` and `apply` ask
 * the running controller's API. Exit codes: 0 ok, 1 the file does not check or the request
 * failed, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtinApps, type App } from '../apps/index.js';
import { diffText, type NetworkDiff } from '../apps/network/diff.js';
import { formatIssue, parseNetworkText, type AppSchemas, type NetworkIssue } from '../apps/network/schema.js';
import type { CliIo } from './io.js';
import { writeOut } from './io.js';

export const CONFIG_USAGE = `Usage: signalbox config check|diff|apply FILE [options]

  check FILE   check a network config file (YAML or JSON; its network: section or the whole
               file): every error with its path and line; exit 1 when there is one
  diff FILE    what applying it would change on the running controller: apps, settings, ACL
               rules, static flows, gateways, routes, and the flows per switch
  apply FILE   apply it: only the difference reaches the switches

Options of diff and apply:
  --url URL      API address (default $SIGNALBOX_URL or http://127.0.0.1:8080)
  --token TOKEN  bearer token (default $SIGNALBOX_TOKEN)
  --json         print the API's JSON
`;

function schemas(): AppSchemas {
  return new Map(builtinApps().map((d) => {
    const a = (typeof d === 'function' ? d() : d) as App<object>;
    return [a.name, a.config] as const;
  }));
}

/** Runs `signalbox config ...`; resolves with the exit code. */
export async function configCommand(args: readonly string[], io: CliIo, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const [sub, ...rest] = args;
  let values: { url?: string; token?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
  } catch (e) {
    io.stderr.write(`signalbox config: ${(e as Error).message}\n\n${CONFIG_USAGE}`);
    return 2;
  }
  if ((sub !== 'check' && sub !== 'diff' && sub !== 'apply') || positionals.length !== 1) {
    io.stderr.write(sub === undefined || sub === 'help' || sub === '--help' ? CONFIG_USAGE : `signalbox config: expected check, diff or apply and one FILE\n\n${CONFIG_USAGE}`);
    return sub === 'help' || sub === '--help' ? 0 : 2;
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.stderr.write(`signalbox config ${sub}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return 1;
  }
  const issues = parseNetworkText(text, schemas()).issues;
  if (issues.length > 0) {
    io.stderr.write(issues.map((i) => `${formatIssue(file, i)}\n`).join(''));
    io.stderr.write(`${file}: ${issues.length} error${issues.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  if (sub === 'check') {
    await writeOut(io.stdout, `${file}: ok\n`);
    return 0;
  }
  const url = (values.url ?? env.SIGNALBOX_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = values.token ?? env.SIGNALBOX_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${url}/api/v1/config/${sub}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ text, file }),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    io.stderr.write(`signalbox config ${sub}: cannot reach ${url}: ${cause?.code ?? (e as Error).message}\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as NetworkDiff & { message?: string; details?: { errors?: NetworkIssue[] } };
  if (!res.ok) {
    const errs = body.details?.errors;
    io.stderr.write(errs ? errs.map((i) => `${formatIssue(file, i)}\n`).join('') : `signalbox config ${sub}: ${res.status}: ${body.message ?? res.statusText}\n`);
    return 1;
  }
  await writeOut(io.stdout, values.json ? `${JSON.stringify(body, null, 2)}\n` : `${sub === 'apply' ? (body.changed ? 'applied:\n' : '') : ''}${diffText(body)}`);
  return 0;
}
