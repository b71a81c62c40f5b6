// Access, for admins: tenants (root sees all), users and API tokens of the tenant. Lists only: creating and deleting
// them is the CLI's or the REST gateway's.

import { api } from './api.js';
import { html, usePoll, ErrorBox, time, bytes, num } from './ui.js';

export function Admin({ identity }) {
  const root = identity.role === 'root';
  const tenants = usePoll(() => api('GET', '/tenants').then((t) => t.tenants || []), [], 10000);
  const users = usePoll(() => api('GET', '/users').then((u) => u.users || []), [], 10000);
  const tokens = usePoll(() => api('GET', '/tokens').then((t) => t.tokens || []), [], 10000);
  return html`<section>
    <h1>Access</h1>
    <h2>Tenants${root ? '' : ' (yours)'}</h2>
    <${ErrorBox} error=${tenants.error} />
    ${tenants.data ? html`<div class="scroll"><table id="tenants">
      <thead><tr><th>Tenant</th><th class="n">Stations</th><th class="n">Stored</th><th class="n">Connections</th>
      </tr></thead>
      <tbody>${tenants.data.map((t) => html`<tr><td>${t.name}</td><td class="n">${num(t.stations)}</td>
        <td class="n">${bytes(t.stored_bytes)}</td><td class="n">${num(t.connections)}</td></tr>`)}</tbody>
    </table></div>` : null}
    <h2>Users</h2>
    <${ErrorBox} error=${users.error} />
    ${users.data ? html`<div class="scroll"><table id="users">
      <thead><tr><th>User</th><th>Tenant</th><th>Role</th><th>Stations</th><th>Password</th><th>Created</th></tr></thead>
      <tbody>${users.data.map((u) => html`<tr><td>${u.name}</td><td>${u.tenant}</td><td>${u.role}</td>
        <td>${stations(u)}</td><td>${u.has_password ? 'yes' : 'tokens only'}</td><td>${time(u.created_ms)}</td>
      </tr>`)}</tbody></table></div>` : null}
    <h2>API tokens</h2>
    <${ErrorBox} error=${tokens.error} />
    ${tokens.data && tokens.data.length === 0 ? html`<p>No API tokens.</p>` : null}
    ${tokens.data && tokens.data.length > 0 ? html`<div class="scroll"><table id="tokens">
      <thead><tr><th>Token</th><th>Tenant</th><th>Role</th><th>Stations</th><th>Created by</th><th>Created</th>
        <th>Expires</th></tr></thead>
      <tbody>${tokens.data.map((t) => html`<tr><td>${t.name}</td><td>${t.tenant}</td><td>${t.role}</td>
        <td>${stations(t)}</td><td>${t.created_by}</td><td>${time(t.created_ms)}</td>
        <td>${t.expires_ms ? time(t.expires_ms) : 'never'}</td></tr>`)}</tbody></table></div>` : null}
  </section>`;
}

function stations(x) {
  const allow = (x.stations || []).length ? x.stations.join(', ') : 'all';
  return (x.deny_stations || []).length ? allow + ' except ' + x.deny_stations.join(', ') : allow;
}
