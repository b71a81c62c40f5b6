// The web UI's shell: who is logged in (or the login page), the navigation, the tenant picker for root, and the
// pages by the location's hash (#/, #/stations/S, #/stations/S/groups/G, #/stations/S/dead-letters, #/schemas,
// #/schemas/N, #/connectors, #/access).

import { api, login, logout, tenant, setTenant, whenUnauthenticated } from './api.js';
import { html, render, useState, useEffect, usePoll, ErrorBox } from './ui.js';
import { Overview } from './overview.js';
import { Station } from './station.js';
import { Group } from './group.js';
import { DeadLetters } from './deadletters.js';
import { Schemas, Schema } from './schemas.js';
import { Admin } from './admin.js';
import { Connectors } from './connectors.js';

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** The page for a hash, and the navigation entry it belongs to. */
function page(hash, identity) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] === 'stations' && parts.length === 2) {
    return ['stations', html`<${Station} name=${parts[1]} />`];
  }
  if (parts[0] === 'stations' && parts[2] === 'groups' && parts.length === 4) {
    return ['stations', html`<${Group} station=${parts[1]} name=${parts[3]} />`];
  }
  if (parts[0] === 'stations' && parts[2] === 'dead-letters' && parts.length === 3) {
    return ['stations', html`<${DeadLetters} station=${parts[1]} />`];
  }
  if (parts[0] === 'schemas' && parts.length === 1) {
    return ['schemas', html`<${Schemas} />`];
  }
  if (parts[0] === 'schemas' && parts.length === 2) {
    return ['schemas', html`<${Schema} name=${parts[1]} />`];
  }
  if (parts[0] === 'connectors' && parts.length === 1) {
    return ['connectors', html`<${Connectors} admin=${isAdmin(identity)} />`];
  }
  if (parts[0] === 'access' && isAdmin(identity)) {
    return ['access', html`<${Admin} identity=${identity} />`];
  }
  if (parts.length === 0) {
    return ['stations', html`<${Overview} />`];
  }
  return ['', html`<section><h1>Not found</h1><p>No page at ${hash}. <a href="#/">Overview</a></p></section>`];
}

function isAdmin(identity) {
  return identity.role === 'root' || identity.role === 'admin';
}

function App() {
  const [identity, setIdentity] = useState(null);
  const [needsLogin, setNeedsLogin] = useState(false);
  const [error, setError] = useState(null);
  const hash = useHash();
  const who = async () => {
    try {
      const id = await api('GET', '/whoami');
      id.role = String(id.role || '').toLowerCase();
      setIdentity(id);
      setNeedsLogin(false);
      setError(null);
    } catch (err) {
      if (err.status !== 401) {
        setError(err);
      }
    }
  };
  useEffect(() => {
    whenUnauthenticated(() => {
      setIdentity(null);
      setNeedsLogin(true);
    });
    who();
  }, []);
  if (needsLogin) {
    return html`<${Login} onLoggedIn=${who} />`;
  }
  if (!identity) {
    return html`<main class="login"><${ErrorBox} error=${error} />${error ? null : html`<p>Loading…</p>`}</main>`;
  }
  const [section, content] = page(hash, identity);
  const out = async () => {
    await logout();
    setIdentity(null);
    setNeedsLogin(true);
  };
  return html`
    <header>
      <a class="brand" href="#/">Junction</a>
      <nav aria-label="Main">
        <a href="#/" aria-current=${section === 'stations' ? 'page' : null}>Stations</a>
        <a href="#/schemas" aria-current=${section === 'schemas' ? 'page' : null}>Schemas</a>
        <a href="#/connectors" aria-current=${section === 'connectors' ? 'page' : null}>Connectors</a>
        ${isAdmin(identity) ? html`<a href="#/access" aria-current=${section === 'access' ? 'page' : null}>Access</a>`
          : null}
      </nav>
      <div class="who">
        ${identity.role === 'root' ? html`<${TenantPicker} />` : html`<span>tenant ${identity.tenant}</span>`}
        <span id="whoami">${identity.user || identity.via} (${identity.role})</span>
        ${identity.via === 'loopback' ? null : html`<button type="button" id="logout" onClick=${out}>Log out</button>`}
      </div>
    </header>
    <main id="main" key=${tenant()}>${content}</main>`;
}

/** How often the tenant picker refreshes its list. */
const TENANTS_POLL_MS = 5000;

/** Root acts in any tenant: the pick is sent as ?tenant= on every call. */
function TenantPicker() {
  const { data } = usePoll(() => api('GET', '/tenants').then((t) => (t.tenants || []).map((x) => x.name)), [],
    TENANTS_POLL_MS);
  const tenants = data || [];
  const [current, setCurrent] = useState(tenant());
  const choose = (e) => {
    setTenant(e.target.value === 'default' ? '' : e.target.value);
    setCurrent(e.target.value);
    location.hash = '#/';
    location.reload();
  };
  const names = tenants.length ? tenants : ['default'];
  return html`<label>Tenant <select id="tenant-picker" value=${current || 'default'} onChange=${choose}>
    ${names.map((n) => html`<option value=${n}>${n}</option>`)}</select></label>`;
}

function Login({ onLoggedIn }) {
  const [user, setUser] = useState('');
  const [tenantName, setTenantName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await login(user, tenantName, password);
      setPassword('');
      await onLoggedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card" id="login" onSubmit=${submit}>
      <h1>Junction</h1>
      <p>Log in to the broker.</p>
      <label class="field">User <input id="login-user" autocomplete="username" required value=${user}
        onInput=${(e) => setUser(e.target.value)} /></label>
      <label class="field">Tenant (empty: the user's default) <input id="login-tenant" value=${tenantName}
        onInput=${(e) => setTenantName(e.target.value)} /></label>
      <label class="field">Password <input id="login-password" type="password" autocomplete="current-password"
        required value=${password} onInput=${(e) => setPassword(e.target.value)} /></label>
      <button type="submit" id="login-submit" disabled=${busy}>Log in</button>
      <${ErrorBox} error=${error} />
    </form>
  </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
