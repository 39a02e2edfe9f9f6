import { describe, expect, it } from 'vitest';
import { checkDfspUrl, STRICT_DFSP_URL_POLICY } from '../../src/domain/dfspUrlPolicy.js';
import { DomainError } from '../../src/domain/domainError.js';

const insecure = { allowInsecure: true, hostAllowlist: [] };

function refusal(url: string, policy = STRICT_DFSP_URL_POLICY): string {
  try {
    checkDfspUrl(url, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'dfsp_url_refused', path: ['baseUrl'] });
    return (error as DomainError).message;
  }
  return 'accepted';
}

describe('where a DFSP may be reached', () => {
  it('takes an https URL of a public host', () => {
    expect(refusal('https://api.bank-a.example/g2p')).toBe('accepted');
  });

  it('refuses plain http unless insecure URLs are allowed', () => {
    expect(refusal('http://api.bank-a.example')).toMatch(/must be an https URL/);
    expect(refusal('http://api.bank-a.example', insecure)).toBe('accepted');
  });

  it('refuses schemes that are no web', () => {
    expect(refusal('ftp://bank-a.example', insecure)).toMatch(/must be an http or https URL/);
    expect(refusal('file:///etc/passwd', insecure)).toMatch(/must be an http or https URL/);
  });

  it.each([
    'https://127.0.0.1:4001',
    'https://127.8.9.10',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://localhost:8080',
    'https://api.localhost',
    'https://[::1]:4001',
    'https://[::ffff:127.0.0.1]/',
    'https://169.254.169.254/latest/meta-data',
    'https://[fe80::1]/',
    'https://[fd00:ec2::254]/',
    'https://metadata.google.internal/computeMetadata/v1',
    'https://0.0.0.0:4001',
  ])('refuses %s, a loopback, link-local or metadata host', (url) => {
    expect(refusal(url)).toMatch(/DFSP_HOST_ALLOWLIST/);
  });

  it('takes such a host when the allowlist names it', () => {
    const policy = { allowInsecure: true, hostAllowlist: ['127.0.0.1', '::1'] };
    expect(refusal('http://127.0.0.1:4001', policy)).toBe('accepted');
    expect(refusal('http://[::1]:4001', policy)).toBe('accepted');
    expect(refusal('http://127.0.0.2:4001', policy)).toMatch(/loopback/);
  });

  it('takes private-range addresses: a bank reached over a private link is normal', () => {
    expect(refusal('https://10.1.2.3:8443')).toBe('accepted');
  });
});
