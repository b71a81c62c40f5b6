// Access, for admins: tenants (root: all, create and delete), users and API tokens of the tenant (create, delete,
// revoke). A new token's secret is shown once, as the gateway answers it; it is never shown again.

import { api, seg } from './api.js';
import { html, useState, usePoll, ErrorBox, Confirm, time, bytes, num } from './ui.js';

const ROLES = ['admin', 'producer', 'consumer', 'viewer'];

export function Admin({ identity }) {
  const root = identity.role === 'root';
  const tenants = usePoll(() => api('GET', '/tenants').then((t) => t.tenants || []), [], 10000);
  const users = usePoll(() => api('GET', '/users').then((u) => u.users || []), [], 10000);
  const tokens = usePoll(() => api('GET', '/tokens').then((t) => t.tokens || []), [], 10000);
  const [pending, setPending] = useState(null); // {title, label, run}: a deletion waiting for its confirmation
  const [error, setError] = useState(null);
  const confirmed = async () => {
    const p = pending;
    setPending(null);
    setError(null);
    try {
      await p.run();
    } catch (err) {
      setError(err);
    }
  };
  const ask = (title, label, run) => setPending({ title, label, run });
  return html`<section>
    <h1>Access</h1>
    <${ErrorBox} error=${error} />
    <h2>Tenants${root ? '' : ' (yours)'}</h2>
    <${ErrorBox} error=${tenants.error} />
    ${tenants.data ? html`<div class="scroll"><table id="tenants">
      <thead><tr><th>Tenant</th><th class="n">Stations</th><th class="n">Stored</th><th class="n">Connections</th>
        ${root ? html`<th></th>` : null}</tr></thead>
      <tbody>${tenants.data.map((t) => html`<tr><td>${t.name}</td><td class="n">${num(t.stations)}</td>
        <td class="n">${bytes(t.stored_bytes)}</td><td class="n">${num(t.connections)}</td>
        ${root ? html`<td>${t.name === 'default' ? null : html`<button type="button" class="danger"
          id=${'delete-tenant-' + t.name} onClick=${() => ask('Delete tenant ' + t.name + '?', 'Delete',
            () => api('DELETE', '/tenants/' + seg(t.name)).then(tenants.reload))}>Delete</button>`}</td>` : null}
      </tr>`)}</tbody>
    </table></div>` : null}
    ${root ? html`<${CreateTenant} onCreated=${tenants.reload} />` : null}
    <h2>Users</h2>
    <${ErrorBox} error=${users.error} />
    ${users.data ? html`<div class="scroll"><table id="users">
      <thead><tr><th>User</th><th>Tenant</th><th>Role</th><th>Stations</th><th>Password</th><th>Created</th><th></th>
      </tr></thead>
      <tbody>${users.data.map((u) => html`<tr><td>${u.name}</td><td>${u.tenant}</td><td>${u.role}</td>
        <td>${stations(u)}</td><td>${u.has_password ? 'yes' : 'tokens only'}</td><td>${time(u.created_ms)}</td>
        <td>${u.role === 'root' ? null : html`<button type="button" class="danger" id=${'delete-user-' + u.name}
          onClick=${() => ask('Delete user ' + u.name + '?', 'Delete', () => api('DELETE', '/users/'
            + seg(u.name)).then(users.reload))}>Delete</button>`}</td>
      </tr>`)}</tbody></table></div>` : null}
    <${CreateUser} onCreated=${users.reload} />
    <h2>API tokens</h2>
    <${ErrorBox} error=${tokens.error} />
    ${tokens.data && tokens.data.length === 0 ? html`<p>No API tokens.</p>` : null}
    ${tokens.data && tokens.data.length > 0 ? html`<div class="scroll"><table id="tokens">
      <thead><tr><th>Token</th><th>Tenant</th><th>Role</th><th>Stations</th><th>Created by</th><th>Created</th>
        <th>Expires</th><th></th></tr></thead>
      <tbody>${tokens.data.map((t) => html`<tr><td>${t.name}</td><td>${t.tenant}</td><td>${t.role}</td>
        <td>${stations(t)}</td><td>${t.created_by}</td><td>${time(t.created_ms)}</td>
        <td>${t.expires_ms ? time(t.expires_ms) : 'never'}</td>
        <td><button type="button" class="danger" id=${'revoke-token-' + t.name} onClick=${() => ask('Revoke token '
          + t.name + '?', 'Revoke', () => api('DELETE', '/tokens/' + seg(t.name)).then(tokens.reload))}>Revoke</button>
        </td></tr>`)}</tbody></table></div>` : null}
    <${CreateToken} onCreated=${tokens.reload} />
    <${Confirm} open=${pending !== null} title=${pending ? pending.title : ''}
      confirmLabel=${pending ? pending.label : ''} onConfirm=${confirmed} onCancel=${() => setPending(null)}>
      <p>This cannot be undone.</p>
    <//>
  </section>`;
}

function CreateTenant({ onCreated }) {
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/tenants', { name });
      setName('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card row" id="create-tenant" onSubmit=${submit}>
    <label class="field">New tenant <input id="tenant-name" required value=${name}
      onInput=${(e) => setName(e.target.value)} /></label>
    <button type="submit">Create tenant</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

/** "a, b*" → ["a", "b*"]; empty: every station. */
function patterns(text) {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function CreateUser({ onCreated }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('consumer');
  const [password, setPassword] = useState('');
  const [allowed, setAllowed] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/users', { name, role, password, stations: patterns(allowed) });
      setName('');
      setPassword('');
      setAllowed('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="create-user" onSubmit=${submit}>
    <h3>New user</h3>
    <div class="row">
      <label class="field">Name <input id="user-name" required value=${name}
        onInput=${(e) => setName(e.target.value)} /></label>
      <label class="field">Role <select id="user-role" value=${role} onChange=${(e) => setRole(e.target.value)}>
        ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
      <label class="field">Password (8+ characters; empty: tokens only) <input id="user-password"
        type="password" autocomplete="new-password" value=${password}
        onInput=${(e) => setPassword(e.target.value)} /></label>
      <label class="field">Stations (patterns, comma-separated; empty: all) <input id="user-stations"
        value=${allowed} onInput=${(e) => setAllowed(e.target.value)} /></label>
      <button type="submit">Create user</button>
    </div>
    <${ErrorBox} error=${error} />
  </form>`;
}

function CreateToken({ onCreated }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('producer');
  const [allowed, setAllowed] = useState('');
  const [days, setDays] = useState('');
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setSecret(null);
    try {
      const body = { name, role, stations: patterns(allowed) };
      if (days) {
        body.expires_in_ms = Number(days) * 86400000;
      }
      const created = await api('POST', '/tokens', body);
      setSecret({ name, value: created.secret });
      setName('');
      setAllowed('');
      setDays('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="create-token" onSubmit=${submit}>
    <h3>New API token</h3>
    <div class="row">
      <label class="field">Name <input id="token-name" required value=${name}
        onInput=${(e) => setName(e.target.value)} /></label>
      <label class="field">Role <select id="token-role" value=${role} onChange=${(e) => setRole(e.target.value)}>
        ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
      <label class="field">Stations (patterns; empty: all) <input id="token-stations" value=${allowed}
        onInput=${(e) => setAllowed(e.target.value)} /></label>
      <label class="field">Expires in days (empty: never) <input id="token-days" type="number" min="1"
        value=${days} onInput=${(e) => setDays(e.target.value)} /></label>
      <button type="submit">Create token</button>
    </div>
    <${ErrorBox} error=${error} />
    ${secret ? html`<div class="ok" role="status"><p>Token ${secret.name}: copy its secret now, it is not shown again.</p>
      <pre id="new-token-secret">${secret.value}</pre></div>` : null}
  </form>`;
}

function stations(x) {
  const allow = (x.stations || []).length ? x.stations.join(', ') : 'all';
  return (x.deny_stations || []).length ? allow + ' except ' + x.deny_stations.join(', ') : allow;
}
