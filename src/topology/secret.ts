/** The controller's LLDP signing secret: 32 random bytes created at first start and kept in the data directory (mode 0600). */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the secret inside the data directory (the store issue moves it into LevelDB). */
export const SECRET_FILE = 'topology-secret';
/** Bytes of key material: the HMAC-SHA256 block-size guidance says at least 32. */
export const SECRET_LEN = 32;

/**
 * Returns the secret stored in `dataDir`, creating the directory and a fresh random secret on
 * first start. The file is created exclusively with mode 0600 (so two starting instances cannot
 * both write one), and a file found with looser permissions is tightened. Throws when the file
 * exists with another length: a damaged secret is an operator's problem, not something to overwrite.
 */
export function loadOrCreateSecret(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, SECRET_FILE);
  try {
    writeFileSync(path, randomBytes(SECRET_LEN), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path);
  if (secret.length !== SECRET_LEN) {
    throw new Error(`${path}: expected a ${SECRET_LEN}-byte secret, found ${secret.length} bytes (remove the file to generate a new one)`);
  }
  return secret;
}
