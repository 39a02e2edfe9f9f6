import { DomainError } from './domainError.js';

/**
 * Where the ledger may send a DFSP's requests (`ALLOW_INSECURE_DFSP_URLS`,
 * `DFSP_HOST_ALLOWLIST`). Payment instructions carry beneficiaries' data and move money, and the
 * ledger's own network may reach what the internet cannot.
 */
export interface DfspUrlPolicy {
  /** Plain `http` allowed (demos, tests, a simulator on loopback); `https` only otherwise. */
  readonly allowInsecure: boolean;
  /** Hosts allowed although they are loopback, link-local or metadata addresses. */
  readonly hostAllowlist: readonly string[];
}

export const STRICT_DFSP_URL_POLICY: DfspUrlPolicy = { allowInsecure: false, hostAllowlist: [] };

/** Host names that reach this machine or a cloud's instance metadata service. */
const SPECIAL_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'instance-data',
]);

/**
 * Refuses a DFSP base URL the policy does not allow: a scheme other than `https` or `sftp` (or `http` where
 * insecure URLs are allowed), or a loopback, link-local, unspecified or cloud-metadata host
 * (`127.0.0.0/8`, `::1`, `169.254.0.0/16`, `fe80::/10`, `0.0.0.0`, `fd00:ec2::254`, `localhost`,
 * `metadata.google.internal`, …) that the allowlist does not name. Hosts are compared as the
 * WHATWG URL parser writes them, so `http://2130706433/` is `127.0.0.1`. A name that resolves to
 * such an address is not caught here: the allowlist is about what an administrator types.
 *
 * @example
 * checkDfspUrl('http://169.254.169.254/latest', STRICT_DFSP_URL_POLICY); // throws dfsp_url_refused
 */
export function checkDfspUrl(baseUrl: string, policy: DfspUrlPolicy): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw refused('is not a URL');
  }
  const scheme = url.protocol.slice(0, -1);
  // sftp (the file connector) is encrypted and its host key pinned, like https.
  const secure = scheme === 'https' || scheme === 'sftp';
  if (!secure && !(scheme === 'http' && policy.allowInsecure)) {
    throw refused(
      policy.allowInsecure
        ? `must be an http or https URL, got ${scheme}`
        : `must be an https URL (http needs ALLOW_INSECURE_DFSP_URLS=true), got ${scheme}`,
    );
  }
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (policy.hostAllowlist.some((allowed) => allowed.toLowerCase() === host)) return;
  const special = specialHost(host);
  if (special !== undefined) {
    throw refused(`points at ${special} (${host}); name it in DFSP_HOST_ALLOWLIST to allow it`);
  }
}

function refused(message: string): DomainError {
  return new DomainError('dfsp_url_refused', `baseUrl ${message}`, ['baseUrl']);
}

/** What kind of address `host` is, if it reaches this machine or its cloud; else undefined. */
function specialHost(host: string): string | undefined {
  if (SPECIAL_NAMES.has(host) || host.endsWith('.localhost')) return 'a local or metadata name';
  const v4 = ipv4Of(host);
  if (v4 !== undefined) {
    const [a, b] = v4;
    if (a === 127) return 'a loopback address';
    if (a === 169 && b === 254) return 'a link-local or metadata address';
    if (a === 0) return 'an unspecified address';
    return undefined;
  }
  if (!host.includes(':')) return undefined;
  if (host === '::1' || host === '::') return 'a loopback or unspecified address';
  if (/^fe[89ab][0-9a-f]:/.test(host)) return 'a link-local address';
  if (host === 'fd00:ec2::254') return 'a metadata address';
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const high = Number.parseInt(mapped[1], 16);
    const low = Number.parseInt(mapped[2], 16);
    return specialHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return undefined;
}

/** The four octets of a dotted IPv4 address, as the URL parser writes one; else undefined. */
function ipv4Of(host: string): readonly number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined;
  return parts.map(Number);
}
