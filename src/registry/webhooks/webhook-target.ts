import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * @module Where a webhook may be sent: never to loopback, private, link-local, CGNAT, multicast or
 * reserved addresses (the server's own network, cloud metadata at 169.254.169.254) unless the
 * server allows private webhooks. The check runs on the address actually connected to (after
 * DNS, on every delivery), so a name that re-resolves to 127.0.0.1 later (DNS rebinding) is
 * refused too.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 127], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True for an address a public webhook must not reach (an unparsable one included). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family === 6) return BLOCKED.check(bare, 'ipv6');
  return true;
}

export class PrivateTargetError extends Error {
  readonly code = 'EPRIVATETARGET';
}

function refusal(host: string, address: string): PrivateTargetError {
  const shown = host === address ? address : `${host} (${address})`;
  return new PrivateTargetError(
    `${shown} is a loopback, private or link-local address; webhooks go only to public addresses unless the server runs with --allow-private-webhooks`,
  );
}

/** Resolves `host` and refuses it when any address is private (unless allowed). */
export async function checkWebhookHost(host: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) {
    if (isPrivateAddress(bare)) throw refusal(host, bare);
    return;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve) => dnsLookup(bare, { all: true }, (err, a) => resolve(err ? [] : a)));
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refusal(host, bad.address);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: the socket connects only to addresses this has checked, so the
 * check and the connection cannot see two different DNS answers.
 */
export function safeLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(refusal(hostname, bad.address) as NodeJS.ErrnoException, '');
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
