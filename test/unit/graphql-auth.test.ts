/** Gateway authentication (graphql/http/auth.ts): API keys and HS256 JWTs, and what each refusal says. */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../graphql/http/auth.ts';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

const KEY = 'k-0123456789abcdef';
const SECRET = 'a-secret-of-at-least-32-characters!!';
const sign = (claims: Record<string, unknown>, secret = SECRET, expiresIn: string | number = '5m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));

describe('gateway auth', () => {
  it('is off by default: everyone is anonymous', async () => {
    const config = loadConfig({});
    expect(config.gateway.auth).toEqual({ mode: 'none' });
    expect(await createAuthenticator(config.gateway.auth)({})).toEqual({ ok: true, principal: 'anonymous' });
  });

  it('api-key: accepts a configured key in x-api-key or as a bearer token, refuses others', async () => {
    const auth = createAuthenticator(loadConfig({ GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: `other-key-000000000,${KEY}` }).gateway.auth);
    expect(await auth({ 'x-api-key': KEY })).toMatchObject({ ok: true, principal: expect.stringMatching(/^key:[0-9a-f]{8}$/) });
    expect(await auth({ authorization: `Bearer ${KEY}` })).toMatchObject({ ok: true });
    expect(await auth({})).toMatchObject({ ok: false, reason: expect.stringContaining('API key is required') });
    expect(await auth({ 'x-api-key': `${KEY}x` })).toEqual({ ok: false, reason: 'the API key is not valid' });
  });

  it('jwt: accepts a valid token (subject as caller), refuses expired, forged and wrong-audience ones', async () => {
    const auth = createAuthenticator(loadConfig({ GATEWAY_AUTH: 'jwt', GATEWAY_JWT_SECRET: SECRET, GATEWAY_JWT_AUDIENCE: 'guardian' }).gateway.auth);
    expect(await auth({ authorization: `Bearer ${await sign({ sub: 'analyst', aud: 'guardian' })}` })).toEqual({ ok: true, principal: 'analyst' });
    expect(await auth({ authorization: `Bearer ${await sign({ sub: 'a', aud: 'guardian' }, SECRET, Math.floor(Date.now() / 1000) - 60)}` })).toEqual({ ok: false, reason: 'the token has expired' });
    expect(await auth({ authorization: `Bearer ${await sign({ sub: 'a', aud: 'guardian' }, 'another-secret-of-32-characters!!!!')}` })).toEqual({ ok: false, reason: 'the token is not valid' });
    expect(await auth({ authorization: `Bearer ${await sign({ sub: 'a', aud: 'elsewhere' })}` })).toEqual({ ok: false, reason: "the token's aud claim is not accepted" });
    expect(await auth({})).toMatchObject({ ok: false });
  });

  it('refuses a mode without its secret, naming the variable', () => {
    expect(() => loadConfig({ GATEWAY_AUTH: 'api-key' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_AUTH: 'api-key' })).toThrow(/GATEWAY_API_KEYS/);
    expect(() => loadConfig({ GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: 'short' })).toThrow(/16 characters/);
    expect(() => loadConfig({ GATEWAY_AUTH: 'jwt', GATEWAY_JWT_SECRET: 'short' })).toThrow(/GATEWAY_JWT_SECRET/);
    expect(() => loadConfig({ GATEWAY_AUTH: 'magic' })).toThrow(/GATEWAY_AUTH/);
  });
});
