/**
 * The emulator's own TLS certificate: self-signed, made at start for the names it answers.
 * The key pair comes from node:crypto; node-forge only lays out the certificate, and is
 * loaded here, on first use, so nothing else (the library, the preload) ever loads it.
 *
 * node-forge is an optional peer dependency, not a dependency: node:crypto can make keys but
 * not certificates, and every app that loads its secrets would otherwise install 1.9 MB (and
 * every advisory against it) for a command few of them run. Without it, `tls: true` says how
 * to add it, and `tls: { key, cert }` (the CLI's --tls-cert and --tls-key) needs nothing.
 */
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface TlsCredentials {
  /** PEM of the private key (PKCS#8). */
  key: string;
  /** PEM of the certificate. */
  cert: string;
}

/** How long a generated certificate is valid: long enough for any run, short enough to be obviously throwaway. */
const VALID_DAYS = 90;

// Test suites start many emulators: one key and certificate per set of names per process.
const made = new Map<string, Promise<TlsCredentials>>();

/**
 * A certificate for `names` (host names and IP literals; `[::1]` brackets allowed), signed
 * by its own key, which a client trusts by adding it to its CAs (`NODE_EXTRA_CA_CERTS`).
 */
export function selfSignedCertificate(names: readonly string[]): Promise<TlsCredentials> {
  const unique = [...new Set(names.map((name) => name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase()))].sort();
  const key = unique.join(' ');
  let pending = made.get(key);
  if (!pending) {
    pending = generate(unique);
    made.set(key, pending);
    pending.catch(() => made.delete(key));
  }
  return pending;
}

async function generate(names: readonly string[]): Promise<TlsCredentials> {
  const [forge, keys] = await Promise.all([loadForge(), rsaKeyPair()]);
  const { pki } = forge;
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(keys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  // A random positive serial: clients that cached an earlier emulator's certificate never mix them up.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  // An hour of slack for clocks that lag (a container, a VM just resumed).
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + VALID_DAYS * 86_400_000);
  const subject = [
    { name: 'commonName', value: names.includes('localhost') ? 'localhost' : (names[0] ?? 'localhost') },
    { name: 'organizationName', value: 'clarifai-secrets emulator (self-signed)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
  ]);
  // node:crypto signs (forge's own RSA is pure JavaScript, about 15 times slower).
  cert.siginfo.algorithmOid = pki.oids['sha256WithRSAEncryption'] as string;
  cert.signatureOid = cert.siginfo.algorithmOid;
  // getTBSCertificate is public in node-forge, missing from its typings.
  const tbsOf = (pki as unknown as { getTBSCertificate(c: typeof cert): ReturnType<typeof forge.asn1.create> }).getTBSCertificate;
  const tbs = forge.asn1.toDer(tbsOf(cert)).getBytes();
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), keys.privateKey).toString('binary');
  return { key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: pki.certificateToPem(cert) };
}

/** What `tls: true` says when node-forge is not installed. */
export const NO_FORGE =
  'the emulator makes its own TLS certificate with node-forge, which is not installed (it is an optional peer dependency): ' +
  'npm install --save-dev node-forge (or npx -p node-forge -p clarifai-secrets clarifai-secrets emulator --tls), ' +
  'or pass a certificate of your own with --tls-cert and --tls-key';

async function loadForge(): Promise<typeof import('node-forge')> {
  let mod: typeof import('node-forge') & { default?: typeof import('node-forge') };
  try {
    mod = (await import('node-forge')) as typeof mod;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new Error(NO_FORGE, { cause: error });
    throw error;
  }
  return mod.default ?? mod;
}

function rsaKeyPair(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    );
  });
}
