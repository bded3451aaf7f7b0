// A real OpenID provider for synclens' sign-in tests: panva's oidc-provider
// (a certified implementation) on a free loopback port, with its development
// login and consent pages.  Any login is accepted; the accounts given in
// OIDC_ACCOUNTS carry a name, an email and groups.
//
//   OIDC_CLIENT='{"client_id": ..., "client_secret": ..., "redirect_uris": [...]}'
//   OIDC_ACCOUNTS='{"otto": {"name": "Otto", "groups": ["inventory-sre"]}}'
//   OIDC_ID_TOKEN_CLAIMS=1  claims in the ID token too (else only via userinfo)
//   node provider.js        prints {"issuer": "http://127.0.0.1:<port>"} once listening
import http from 'node:http';

import Provider from 'oidc-provider';

const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ grant_types: ['authorization_code'], response_types: ['code'], ...client }],
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    conformIdTokenClaims: !process.env.OIDC_ID_TOKEN_CLAIMS,
    pkce: { required: () => true },
    cookies: { keys: ['synclens-test-provider-cookie-key'] },
    async findAccount(ctx, sub) {
      const account = accounts[sub] || {};
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: account.name || sub,
            preferred_username: sub,
            email: account.email || `${sub}@example.com`,
            groups: account.groups || [],
          };
        },
      };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
