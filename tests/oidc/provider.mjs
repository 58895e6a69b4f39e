// A real OpenID Connect provider for kb's tests: npm's certified oidc-provider (9.x) on 127.0.0.1.
//
// Usage: node provider.mjs CONFIG.json, where CONFIG.json is
//   {
//     "port": 54321, "issuer": "http://127.0.0.1:54321",
//     "node_modules": ".../.cache/npm/node_modules",   // where npm installed oidc-provider@9
//     "clients": [{"client_id": "kb", "client_secret": "...", "redirect_uris": [...],
//                  "post_logout_redirect_uris": [...]}],
//     "accounts": ".../accounts.json", "control": ".../control.json"
//   }
// tests/oidc_server.py writes the config, starts this script and waits for the line
// "OIDC-PROVIDER READY <issuer>" on stdout.
//
// What the provider does:
// - plain http on 127.0.0.1 only; authorization code flow with PKCE required (S256, the only method
//   oidc-provider 9 knows); clients authenticate with client_secret_basic at the token endpoint, the
//   only method enabled (with client_secret_post enabled too, oidc-provider would take the secret in
//   the body even from a client registered for basic);
// - scopes openid profile email groups; profile -> name, given_name, family_name, preferred_username (and a
//   non-standard organisation, as a region's provider may add); email -> email,
//   email_verified; groups -> groups (an array). conformIdTokenClaims is off, so the claims of the
//   granted scopes are in the ID token itself (as Microsoft Entra puts its groups claim there);
// - accounts come from the ACCOUNTS file, read again on every lookup so a test can change someone's
//   groups (or password, or remove them) between two logins:
//     {"<login>": {"password": "...", "sub": "<stable opaque id>", "claims": {"name": ..., "groups": [...]}}}
//   The account id (the ID token's sub) is "sub", never the login or the e-mail address;
// - own interaction pages instead of oidc-provider's devInteractions (those accept any password):
//   GET /interaction/<uid> shows a plain login form (fields "login" and "password", one submit button)
//   that posts to /interaction/<uid>/login. A wrong password or unknown login gives the form again
//   (status 200, so a browser logs no error) with <p class="error" role="alert">. Consent is granted automatically: the consent prompt that follows the login
//   redirects on without a page. GET /interaction/<uid>/abort ends the request with access_denied;
// - RP-initiated logout (end_session_endpoint) with id_token_hint and post_logout_redirect_uri: the
//   confirmation page is one form (id "op.logoutForm") with one submit button name=logout value=yes;
// - RS256 signing keys generated at start (served at jwks_uri), fixed test cookie keys, in-memory
//   storage: everything is gone when the process ends.
//
// Test-only faults come from the CONTROL file, read on every ID token issued (absent keys or a missing
// file mean normal behaviour). They let kb's tests check its ID-token validation against tokens from
// the real token endpoint, signed with the provider's real keys:
// - {"clock_offset": <seconds>}: the provider's clock runs that many seconds off while it issues an ID
//   token (iat and exp move; nothing else, so logins, codes and sessions keep working). -7200 gives an
//   ID token that expired an hour before it was issued; +7200 one issued two hours in the future.
//   Date.now is patched to add the offset inside an AsyncLocalStorage scope around IdToken#issue.
// - {"id_token_audience": "someone-else"}: issued ID tokens carry that aud instead of the client's id.
//   IdToken#issue signs with audience = this.client.clientId (lib/models/id_token.js), so the hook
//   lends it, for that one call, a view of the client whose clientId is the other audience.
import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// Start-up steps with their time, so a provider that is slow to get ready shows where it waited.
const started = Date.now();
const step = (what) => console.log(`start: ${what} efter ${Date.now() - started} ms`);
const require = createRequire(join(config.node_modules, '..', 'package.json'));
const { default: Provider } = await import(pathToFileURL(require.resolve('oidc-provider')).href);
step('oidc-provider inläst');

// --- the control file and the clock ---------------------------------------------------------------

function readJson(path, fallback) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return fallback;
    throw err;
  }
}

const control = () => readJson(config.control, {});

const clock = new AsyncLocalStorage();
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + (clock.getStore() ?? 0) * 1000;

// --- accounts ---------------------------------------------------------------------------------------

const accounts = () => readJson(config.accounts, {});

function accountBySub(sub) {
  return Object.values(accounts()).find((account) => account.sub === sub);
}

// oidc-provider calls this whenever it needs the account (at the token endpoint, for the claims).
async function findAccount(ctx, id) {
  const account = accountBySub(id);
  if (!account) return undefined;
  return {
    accountId: account.sub,
    async claims() {
      return { ...account.claims, sub: account.sub };
    },
  };
}

// --- the provider -----------------------------------------------------------------------------------

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
step('nycklar skapade');

const page = (title, body) => `<!DOCTYPE html>
<html lang="sv">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    post_logout_redirect_uris: [],
    ...client,
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: ['kb-test-oidc-cookie-key'] },
  findAccount,
  clientAuthMethods: ['client_secret_basic'],
  scopes: ['openid'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'organisation'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    dPoP: { enabled: false },
    pushedAuthorizationRequests: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // form is oidc-provider's <form id="op.logoutForm" ...><input type="hidden" name="xsrf" .../></form>
        const withButton = form.replace('</form>', '<button type="submit" name="logout" value="yes">Logga ut</button></form>');
        ctx.body = page('Logga ut', withButton);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Utloggad', '<p>Du är utloggad.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fel', Object.entries(out)
      .map(([key, value]) => `<p><strong>${escape(key)}</strong>: <span class="${escape(key)}">${escape(value)}</span></p>`)
      .join('\n'));
  },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400,
  },
});

const { IdToken } = provider;
const issue = IdToken.prototype.issue;
IdToken.prototype.issue = async function issueWithFaults(options = {}) {
  if (options.use !== 'idtoken') return issue.call(this, options);
  const { clock_offset: offset = 0, id_token_audience: audience } = control();
  const { client } = this;
  if (audience !== undefined) {
    this.client = Object.create(client, { clientId: { value: audience } });
  }
  try {
    return await clock.run(Number(offset), () => issue.call(this, options));
  } finally {
    this.client = client;
  }
};

// --- the interaction pages --------------------------------------------------------------------------

function loginForm(uid, { login = '', error } = {}) {
  return page('Logga in', `${error ? `<p class="error" role="alert">${escape(error)}</p>\n` : ''}\
<form id="login" method="post" action="/interaction/${uid}/login">
<p><label for="login-name">Användarnamn</label>
<input id="login-name" name="login" autocomplete="username" required value="${escape(login)}"></p>
<p><label for="login-password">Lösenord</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Logga in</button></p>
</form>
<p><a href="/interaction/${uid}/abort">Avbryt</a></p>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

async function grantConsent({
  prompt: { details: missing }, grantId, session, params,
}) {
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scope] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scope.join(' '));
  }
  return { consent: { grantId: await grant.save() } };
}

async function interaction(req, res) {
  const [, , uid, action] = new URL(req.url, config.issuer).pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Fel', '<p>Okänd inloggning.</p>'));
    return;
  }
  const { prompt } = details;
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  } else if (prompt.name === 'consent') {
    await provider.interactionFinished(req, res, await grantConsent(details), {
      mergeWithLastSubmission: true,
    });
  } else if (prompt.name !== 'login') {
    send(res, 501, page('Fel', `<p>Okänd prompt ${escape(prompt.name)}.</p>`));
  } else if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    const known = accounts();
    const account = Object.hasOwn(known, login) ? known[login] : undefined;
    if (!account || account.password !== form.get('password')) {
      send(res, 200, loginForm(uid, { login, error: 'Fel användarnamn eller lösenord.' }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
      mergeWithLastSubmission: false,
    });
  } else {
    send(res, 200, loginForm(uid));
  }
}

// --- the server -------------------------------------------------------------------------------------

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) send(res, 400, page('Fel', `<p>${escape(err.message)}</p>`));
    });
  } else {
    callback(req, res);
  }
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`OIDC-PROVIDER READY ${config.issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
// Never outlive the test run that started us (if it is killed before it can stop us).
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
