/**
 * Optional authentication of `/graphql` and `/metrics` (GATEWAY_AUTH):
 *
 * - `none`     every caller is `anonymous` (the local default);
 * - `api-key`  header `x-api-key: <key>` or `Authorization: Bearer <key>`,
 *              one of GATEWAY_API_KEYS, compared in constant time; the
 *              caller is `key:<first 8 hex of its SHA-256>` (never the key);
 * - `jwt`      `Authorization: Bearer <JWT>`, HS256/384/512 with
 *              GATEWAY_JWT_SECRET, `exp`/`nbf` enforced, `iss`/`aud` when
 *              configured; the caller is the `sub` claim.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../../lib/config.ts';

export type AuthOutcome = { ok: true; principal: string } | { ok: false; reason: string };

export type Authenticator = (headers: IncomingHttpHeaders) => Promise<AuthOutcome>;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

const bearer = (headers: IncomingHttpHeaders): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
};

export function createAuthenticator(auth: Config['gateway']['auth']): Authenticator {
  if (auth.mode === 'none') return async () => ({ ok: true, principal: 'anonymous' });

  if (auth.mode === 'api-key') {
    const digests = auth.apiKeys.map(sha256);
    return async (headers) => {
      const header = headers['x-api-key'];
      const key = (Array.isArray(header) ? header[0] : header) ?? bearer(headers);
      if (key === undefined || key === '') return { ok: false, reason: 'an API key is required (header x-api-key or Authorization: Bearer <key>)' };
      const digest = sha256(key);
      // Compare against every key, always, so timing says nothing about which (if any) matched.
      const matched = digests.reduce((found, d) => timingSafeEqual(d, digest) || found, false);
      return matched ? { ok: true, principal: `key:${digest.toString('hex').slice(0, 8)}` } : { ok: false, reason: 'the API key is not valid' };
    };
  }

  const secret = new TextEncoder().encode(auth.secret);
  return async (headers) => {
    const token = bearer(headers);
    if (token === undefined) return { ok: false, reason: 'a bearer token is required (Authorization: Bearer <JWT>)' };
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256', 'HS384', 'HS512'], issuer: auth.issuer, audience: auth.audience });
      return { ok: true, principal: typeof payload.sub === 'string' ? payload.sub : 'jwt' };
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'the token has expired' : error instanceof joseErrors.JWTClaimValidationFailed ? `the token's ${error.claim} claim is not accepted` : 'the token is not valid';
      return { ok: false, reason };
    }
  };
}
