import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileMapping,
  MappingFailure,
} from '../../src/adapters/dfsp/mapped/expressions.js';
import { MappingDocument } from '../../src/domain/dfspConnection.js';
import { DomainError } from '../../src/domain/domainError.js';

describe('mapping expressions (JSONata)', () => {
  it('refuses one that does not compile, naming the expression and the position', () => {
    expect(() =>
      compileExpression('{ "ref": payment.paymentId', ['mapping', 'submit', 'body']),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_mapping',
        path: ['mapping', 'submit', 'body'],
        message: expect.stringMatching(/position 26/),
      }),
    );
  });

  it('names the first expression of a document that does not compile', () => {
    const mapping = MappingDocument.parse({
      submit: {
        request: { method: 'POST', path: '"/pay"', body: '{}' },
        outcome: 'status = 200 ? { "outcome": "accepted" ',
      },
    });
    try {
      compileMapping(mapping);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).path).toEqual(['mapping', 'submit', 'outcome']);
    }
  });

  it('stops a runaway expression within its time limit', async () => {
    const runaway = compileExpression(
      '($f := function($n) { $n <= 1 ? 1 : $f($n - 1) + $f($n - 2) }; $f(40))',
      ['mapping', 'submit', 'body'],
    );
    const startedMs = Date.now();
    await expect(runaway.evaluate({})).rejects.toBeInstanceOf(MappingFailure);
    expect(Date.now() - startedMs).toBeLessThan(2_000);
  });

  it('stops an expression that builds a sequence beyond its limit', async () => {
    const huge = compileExpression('[1..10000000]', ['x']);
    await expect(huge.evaluate({})).rejects.toThrow(/sequence length/);
  });

  it('refuses a result larger than its limit', async () => {
    const large = compileExpression('$pad("", 5000000, "x")', ['x']);
    await expect(large.evaluate({})).rejects.toThrow(/over the limit/);
  });

  it('writes amounts without trailing zeros, exactly', async () => {
    const trim = compileExpression(
      '[$trimAmount("10.50"), $trimAmount("10.00"), $trimAmount("7")]',
      ['x'],
    );
    expect(await trim.evaluate({})).toEqual(['10.5', '10', '7']);
    await expect(compileExpression('$trimAmount("1e3")', ['x']).evaluate({})).rejects.toThrow();
  });

  it("encrypts with RSA PKCS#1 v1.5 under a public key, as Daraja's SecurityCredential", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const sealed = (await compileExpression('$rsaEncrypt("initiator-password", pem)', [
      'x',
    ]).evaluate({
      pem,
    })) as string;
    // Node refuses PKCS#1 v1.5 decryption (CVE-2023-46809): openssl opens it instead.
    const dir = mkdtempSync(path.join(tmpdir(), 'g2p-rsa-'));
    try {
      const keyFile = path.join(dir, 'key.pem');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const opened = execFileSync(
        'openssl',
        ['pkeyutl', '-decrypt', '-inkey', keyFile, '-pkeyopt', 'rsa_padding_mode:pkcs1'],
        { input: Buffer.from(sealed, 'base64') },
      );
      expect(opened.toString('utf8')).toBe('initiator-password');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes HMACs and base64 for APIs that sign their requests', async () => {
    const hmac = compileExpression('[$hmacSha256("key", "text"), $base64("ab")]', ['x']);
    expect(await hmac.evaluate({})).toEqual([
      '6afa9046a9579cad143a384c1b564b9a250d27d6f6a63f9f20bf3a7594c9e2c6',
      'YWI=',
    ]);
  });
});
