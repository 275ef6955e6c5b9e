// `signalbox decode` / `signalbox encode`: in-process through main() with injected streams, and once as a real process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { RYU_VECTORS } from '../harness/paths.js';

const CONFORMANCE = RYU_VECTORS;
const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the CLI in-process with `input` on stdin; stdout as bytes. */
async function run(argv: string[], input: Buffer | string = ''): Promise<{ code: number; out: Buffer; err: string }> {
  const r = await runCli(argv, input);
  return { code: r.code, out: r.outBytes, err: r.err };
}

/** Every conformance message, in file order. */
function allVectors(): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of ['of10', 'of13']) {
    for (const f of readdirSync(join(CONFORMANCE, dir)).sort()) {
      if (f.endsWith('.packet')) out.push(readFileSync(join(CONFORMANCE, dir, f)));
    }
  }
  return out;
}

const vectors = allVectors();
const stream = Buffer.concat(vectors);

function msg(version: number, type: number, xid: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  body.copy(b, 8);
  return b;
}
const echo = msg(4, 2, 0x01020304, Buffer.from('hi'));
const barrier = msg(4, 20, 9);

describe('signalbox decode', () => {
  it('prints one JSON object a line, and encode gives back the same bytes', async () => {
    expect(vectors).toHaveLength(117);
    const d = await run(['decode'], stream);
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    const lines = d.out.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(vectors.length);
    for (const l of lines) expect(typeof JSON.parse(l)).toBe('object');
    const e = await run(['encode'], d.out);
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    expect(e.out.equals(stream)).toBe(true);
  });

  it('prints exact JSON for a known message', async () => {
    const d = await run(['decode', '-'], Buffer.concat([echo, barrier]));
    expect(d.out.toString()).toBe(
      '{"version":4,"type":"echo_request","xid":16909060,"data":"6869"}\n{"version":4,"type":"barrier_request","xid":9}\n',
    );
  });

  it('reads hex text with any whitespace', async () => {
    const hex = Buffer.concat([echo, barrier]).toString('hex').replace(/(.{6})/g, '$1 \n\t');
    const d = await run(['decode', '--hex'], hex);
    expect(d.code).toBe(0);
    expect(d.out.toString()).toBe((await run(['decode'], Buffer.concat([echo, barrier]))).out.toString());
  });

  it('names the line and column of a bad hex digit', async () => {
    const d = await run(['decode', '--hex'], '0400 0008\n0000 00zz\n');
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/line 2, column 8: "z" is not a hex digit/);
    expect((await run(['decode', '--hex'], '040')).err).toMatch(/odd number/);
  });

  it('reports an undecodable message with its byte offset and goes on', async () => {
    // An ERROR message too short for its type and code fields, between two good messages.
    const bad = msg(4, 1, 5, Buffer.from([0, 1]));
    const d = await run(['decode'], Buffer.concat([echo, bad, barrier]));
    expect(d.code).toBe(1);
    expect(d.err).toMatch(new RegExp(`^signalbox decode: byte ${echo.length + 10}: cannot decode the message at byte ${echo.length} \\(version 4, type 1, xid 5, 10 bytes\\)`));
    expect(d.err).toMatch(/OFPET_BAD_REQUEST\/OFPBRC_BAD_LEN/);
    expect(d.err).not.toMatch(/\n\s+at /);
    expect(d.out.toString().trimEnd().split('\n')).toHaveLength(2);
  });

  it('reports an unsupported version', async () => {
    const d = await run(['decode'], Buffer.concat([echo, msg(9, 5, 1)]));
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/byte 10: .*version 9.*OFPBRC_BAD_VERSION/);
  });

  it('stops at a broken length field, naming its offset', async () => {
    const d = await run(['decode'], Buffer.concat([echo, Buffer.from([4, 0, 0, 3, 0, 0, 0, 0]), barrier]));
    expect(d.code).toBe(1);
    expect(d.err).toBe(`signalbox decode: byte ${echo.length}: declared message length 3 is below the 8-byte header; cannot frame the rest of the stream\n`);
    expect(d.out.toString().trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports a stream cut inside a message', async () => {
    const d = await run(['decode'], Buffer.concat([echo, barrier.subarray(0, 5)]));
    expect(d.code).toBe(1);
    expect(d.err).toBe(`signalbox decode: byte ${echo.length}: stream ends inside a message: 5 of 8 bytes\n`);
    expect(d.out.toString().trimEnd().split('\n')).toHaveLength(1);
    const h = await run(['decode'], Buffer.concat([echo, barrier.subarray(0, 3)]));
    expect(h.err).toBe(`signalbox decode: byte ${echo.length}: stream ends inside a message header: 3 of 8 bytes\n`);
  });

  it('reports a missing file and bad usage', async () => {
    const d = await run(['decode', '/nonexistent/file.bin']);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/cannot read \/nonexistent\/file.bin: ENOENT/);
    expect((await run(['decode', '--bogus'])).code).toBe(2);
    expect((await run(['decode', 'a', 'b'])).code).toBe(2);
    expect((await run(['decode', '--help'])).out.toString()).toMatch(/Usage: signalbox decode/);
  });

  it('reads a file given by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    const file = join(dir, 'in.bin');
    writeFileSync(file, Buffer.concat([echo, barrier]));
    const d = await run(['decode', file]);
    expect(d.code).toBe(0);
    expect(d.out.toString().split('\n')).toHaveLength(3);
  });
});

describe('signalbox encode', () => {
  it('writes each JSON line as a message and skips blank lines', async () => {
    const e = await run(['encode'], '{"version":4,"type":"echo_request","xid":16909060,"data":"6869"}\n\n  \r\n{"version":4,"type":"barrier_request","xid":9}');
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    expect(e.out).toEqual(Buffer.concat([echo, barrier]));
  });

  it('writes hex lines with --hex', async () => {
    const e = await run(['encode', '--hex'], '{"version":4,"type":"echo_request","xid":16909060,"data":"6869"}\n{"version":4,"type":"barrier_request","xid":9}\n');
    expect(e.out.toString()).toBe(`${echo.toString('hex')}\n${barrier.toString('hex')}\n`);
  });

  it('names the line and field of bad input, leaves it out, and exits 1', async () => {
    const input = [
      '{"version":4,"type":"barrier_request","xid":1}',
      '{"version":4,"type":"echo_request","xid":2,"data":"xyz"}',
      'not json',
      '[1,2]',
      '{"version":4,"type":"echo_request","data":""}',
      '{"version":4,"type":"barrier_request","xid":9}',
    ].join('\n');
    const e = await run(['encode'], input);
    expect(e.code).toBe(1);
    expect(e.err.split('\n')).toEqual([
      'signalbox encode: line 2: field data: expected an even number of hex digits, got "xyz"',
      expect.stringMatching(/^signalbox encode: line 3: invalid JSON: /),
      'signalbox encode: line 4: a message must be a JSON object',
      'signalbox encode: line 5: field xid: is missing',
      '',
    ]);
    expect(e.out).toEqual(Buffer.concat([msg(4, 20, 1), barrier]));
  });

  it('reports a value of the wrong shape without a stack trace', async () => {
    const e = await run(['encode'], '{"version":4,"type":"hello","xid":1,"elements":5}\n');
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/^signalbox encode: line 1: /);
    expect(e.err).not.toMatch(/\n\s+at /);
  });
});

describe('signalbox (main)', () => {
  it('prints the version and rejects unknown commands', async () => {
    const v = await run(['version']);
    expect(v.out.toString()).toMatch(/^signalbox \d+\.\d+\.\d+\n$/);
    expect((await run(['nope'])).code).toBe(2);
  });
});

describe('bin/signalbox as a process', () => {
  beforeAll(() => {
    // Build dist/ (the bin runs the compiled CLI). Type errors in files still being written elsewhere
    // do not stop tsc from emitting, so only the presence of the output is checked.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  it('decodes a concatenation of conformance files and encodes it back', () => {
    expect(existsSync(join(ROOT, 'dist', 'src', 'cli.js'))).toBe(true);
    const json = execFileSync('node', ['bin/signalbox', 'decode'], { cwd: ROOT, input: stream });
    expect(json.toString().trimEnd().split('\n')).toHaveLength(vectors.length);
    const bytes = execFileSync('node', ['bin/signalbox', 'encode', '-'], { cwd: ROOT, input: json });
    expect(bytes.equals(stream)).toBe(true);
  });

  it('exits 1 with a one-line message on bad input', () => {
    const r = spawnSync('node', ['bin/signalbox', 'decode'], { cwd: ROOT, input: Buffer.from([4, 0, 0, 1]) });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toBe('signalbox decode: byte 0: declared message length 1 is below the 8-byte header; cannot frame the rest of the stream\n');
  });
});
