/** TLS test fixtures made with openssl: a throwaway CA, the controller's certificate and switch certificates it signs, in a temporary directory. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and certificate pair on disk. */
export interface CertFiles {
  readonly key: string;
  readonly cert: string;
}

/** A CA with the controller's certificate (CN `controller`), able to sign more. */
export interface TestPki {
  readonly dir: string;
  /** The CA certificate file. */
  readonly ca: string;
  /** The controller's key and certificate, signed by the CA. */
  readonly controller: CertFiles;
  /** Makes `name.key`/`name.pem` with subject CN `cn`, signed by the CA (a switch's identity). */
  sign(name: string, cn: string): CertFiles;
  /** The file's contents (for tls.connect). */
  read(file: string): Buffer;
  /** Deletes the directory. */
  remove(): void;
}

/** Makes a CA (CN `sbx-ca`) and the controller's certificate in a new temporary directory; valid one day. */
export function makeTestPki(prefix = 'sbx-tls-'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const sign = (name: string, cn: string): CertFiles => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1');
    return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=sbx-ca');
  const controller = sign('ctl', 'controller');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    controller,
    sign,
    read: (file) => readFileSync(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
