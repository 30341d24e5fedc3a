/**
 * Which `Host` a request may name. A web page on another origin can point its own DNS name at
 * 127.0.0.1 (DNS rebinding) and then read and write the emulator's secrets with the well-known
 * token, as if it were same-origin. Such a request still carries the attacker's name in `Host`,
 * so the emulator answers only names it is really reached by: loopback, the address it is bound
 * to, the addresses of this machine's interfaces when it listens on all of them, and the names
 * its user allowed (a container's service name, say).
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = new Set(['localhost']);

export class HostCheck {
  private readonly names: ReadonlySet<string>;
  private readonly wildcard: boolean;

  /** `bound`: the `host` listened on; `allowed`: more names to accept (already validated). */
  constructor(bound: string, allowed: readonly string[]) {
    const names = new Set<string>(LOOPBACK_NAMES);
    const boundName = normalize(bound);
    this.wildcard = boundName === '0.0.0.0' || boundName === '::';
    if (!this.wildcard) names.add(boundName);
    for (const name of allowed) names.add(normalize(name));
    this.names = names;
  }

  /**
   * True when a request naming `host` (the `Host` header, or the authority of an absolute-form
   * target) is for this server. An absent header passes: browsers always send one, and only
   * a browser can be lured into a rebinding attack.
   */
  accepts(host: string | undefined): boolean {
    if (host === undefined) return true;
    const name = hostName(host);
    if (name === undefined) return false;
    if (this.names.has(name) || isLoopbackAddress(name)) return true;
    return this.wildcard && isIP(name) !== 0 && localAddresses().has(name);
  }
}

/**
 * The name part of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower-cased and
 * without a trailing dot; undefined when it is not of that form.
 */
export function hostName(host: string): string | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]/@]+))(?::\d{1,5})?$/i.exec(host.trim());
  if (!match) return undefined;
  return normalize((match[1] ?? match[2]) as string);
}

/** Why `name` cannot be an allowed host name, or undefined when it can. */
export function invalidHostNameReason(name: string): string | undefined {
  if (name.trim() === '') return 'a host name must not be empty';
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (isIP(bare) !== 0) return undefined;
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(bare)) {
    return 'a host name is letters, digits, "-", "_" and dots, or an IP address, without a port';
  }
  return undefined;
}

function normalize(name: string): string {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const lower = bare.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function isLoopbackAddress(name: string): boolean {
  if (isIP(name) === 4) return name.startsWith('127.');
  // IPv4-mapped loopback comes dotted (::ffff:127.0.0.1) or, as browsers write it, in hex (::ffff:7f00:1).
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(name);
  return false;
}

/** Asked at each request that needs it: a container's address can change while the emulator runs. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) out.add(info.address.toLowerCase());
  }
  return out;
}
