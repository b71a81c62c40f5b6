// Station: partitions, settings (editable), the attached schema, groups, the message browser and a produce form.

import { api, seg } from './api.js';
import { html, useState, usePoll, ErrorBox, Confirm, bytes, num, time, shownValue, link, download, csvField }
  from './ui.js';

/** The settings a station's page can change (PATCH), with what they mean. */
const SETTINGS = [
  ['retention_age_ms', 'Retention age (ms, -1: unlimited)'],
  ['retention_bytes', 'Retention bytes (0: unlimited)'],
  ['retention_messages', 'Retention messages (0: unlimited)'],
  ['ack_timeout_ms', 'Ack timeout (ms)'],
  ['max_deliveries', 'Max deliveries'],
  ['dedup_window_ms', 'Dedup window (ms)'],
  ['dls_retention_ms', 'Dead-letter retention (ms)'],
];

export function Station({ name }) {
  const path = '/stations/' + seg(name);
  const { data, error, reload } = usePoll(async () => {
    const [station, groups] = await Promise.all([api('GET', path), api('GET', path + '/groups')]);
    return { station, groups: groups.groups || [] };
  }, [name]);
  if (!data) {
    return html`<section><h1>Station ${name}</h1><${ErrorBox} error=${error} />${error ? null : html`<p>Loading…</p>`}
    </section>`;
  }
  const s = data.station;
  const dls = data.groups.reduce((sum, g) => sum + Number(g.dead_letters || 0), 0);
  return html`<section>
    <h1>Station <span id="station-title">${s.name}</span></h1>
    <${ErrorBox} error=${error} />
    <p class="facts">${num(s.messages)} message${s.messages === 1 ? '' : 's'} · ${bytes(s.bytes)} · <a href=${link(path + '/dead-letters')} id="dead-letters-link">Dead letters (${num(dls)})</a></p>
    <div class="grid">
      <div class="card">
        <h2>Partitions</h2>
        <div class="scroll"><table id="partitions">
          <thead><tr><th class="n">Partition</th><th class="n">Earliest offset</th><th class="n">Next offset</th>
            <th class="n">Bytes</th></tr></thead>
          <tbody>${(s.partitions || []).map((p) => html`<tr><td class="n">${p.partition}</td>
            <td class="n">${num(p.earliest_offset)}</td><td class="n">${num(p.latest_offset)}</td>
            <td class="n">${bytes(p.bytes)}</td></tr>`)}</tbody>
        </table></div>
        <h2>Groups</h2>
        ${data.groups.length === 0 ? html`<p>No groups.</p>` : html`<ul class="groups">${data.groups.map((g) => html`
          <li><a href=${link(path + '/groups/' + seg(g.name))}>${g.name}</a> — lag ${num(g.lag)}, in flight ${num(g.in_flight)}, dead letters ${num(g.dead_letters)}</li>`)}</ul>`}
      </div>
      <${SchemaCard} station=${s} path=${path} onChange=${reload} />
      <${Settings} station=${s} path=${path} onChange=${reload} />
      <${Produce} station=${s} path=${path} onProduced=${reload} />
    </div>
    <${Tiering} station=${s} path=${path} onChange=${reload} />
    <${Browser} station=${s} path=${path} />
    <${DeleteStation} name=${s.name} path=${path} />
  </section>`;
}

function Settings({ station, path, onChange }) {
  const [values, setValues] = useState({});
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const config = station.config || {};
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const changes = {};
    for (const [k, v] of Object.entries(values)) {
      if (v !== '' && String(v) !== String(config[k])) {
        changes[k] = Number(v);
      }
    }
    try {
      await api('PATCH', path, changes);
      setValues({});
      setSaved(true);
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="settings" onSubmit=${submit}>
    <h2>Settings</h2>
    <p class="hint">${station.partitions.length} partitions, ordering ${config.ordering || 'default'}, dead letters ${config.on_dead_letter || 'default'} (fixed at creation).</p>
    ${SETTINGS.map(([k, label]) => html`<label class="field">${label}
      <input type="number" name=${k} value=${values[k] !== undefined ? values[k] : config[k]}
        onInput=${(e) => setValues({ ...values, [k]: e.target.value })} /></label>`)}
    <button type="submit">Save settings</button>
    <${ErrorBox} error=${error} />
    ${saved ? html`<p class="ok" role="status">Saved.</p>` : null}
  </form>`;
}

/** A local-retention value as the station reports it: -1 (or 0 for bytes) means no limit of that kind. */
function localRetention(config) {
  const ms = Number(config.local_retention_ms || 0);
  const b = Number(config.local_retention_bytes || 0);
  const parts = [];
  if (ms > 0) {
    parts.push(num(ms) + ' ms');
  }
  if (b > 0) {
    parts.push(bytes(b) + ' per partition');
  }
  return parts.length ? 'up to ' + parts.join(' and ') : 'no local limit set (the broker keeps 1 day)';
}

/**
 * Tiered storage (docs/tiering.md): per partition what the object store holds and what is still local, the uploads
 * pending, the last upload and the last error (polled); turning it on or off and the local retention.
 */
function Tiering({ station, path, onChange }) {
  const config = station.config || {};
  const on = config.tiering === true;
  const { data, error } = usePoll(() => (on ? api('GET', path + '/tier-status').then((r) => r.partitions || [])
    : Promise.resolve([])), [path, on]);
  const [values, setValues] = useState({});
  const [actionError, setActionError] = useState(null);
  const [saved, setSaved] = useState('');
  const change = async (changes, what) => {
    setActionError(null);
    setSaved('');
    try {
      await api('PATCH', path, changes);
      setValues({});
      setSaved(what);
      onChange();
    } catch (err) {
      setActionError(err);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    const changes = {};
    for (const k of ['local_retention_ms', 'local_retention_bytes']) {
      if (values[k] !== undefined && values[k] !== '') {
        changes[k] = Number(values[k]);
      }
    }
    change(changes, 'Saved.');
  };
  const rows = data || [];
  return html`<div class="card" id="tiering">
    <h2>Tiered storage</h2>
    <p id="tiering-state">${on ? html`On: sealed segments go to the object store and are read back from it; kept
      locally ${localRetention(config)}.` : 'Off: every segment stays on local disk.'}</p>
    <${ErrorBox} error=${error} />
    ${on ? html`<div class="scroll"><table id="tier-status">
      <thead><tr><th class="n">Partition</th><th class="n">Remote offsets</th><th class="n">Remote</th>
        <th class="n">Local from</th><th class="n">Local</th><th class="n">Pending uploads</th><th>Last upload</th>
        <th>Errors</th></tr></thead>
      <tbody>${rows.map((t) => {
        const failures = Number(t.failures || 0);
        const remote = Number(t.remote_segments || 0);
        return html`<tr id=${'tier-' + (t.partition || 0)} class=${failures > 0 ? 'failing' : ''}>
          <td class="n">${t.partition || 0}</td>
          <td class="n">${remote > 0 ? num(t.remote_first_offset) + '..' + num(Number(t.remote_end_offset) - 1) : '—'}</td>
          <td class="n remote">${num(remote)} segment${remote === 1 ? '' : 's'}, ${bytes(t.remote_bytes || 0)}</td>
          <td class="n">${num(t.local_first_offset || 0)}</td><td class="n">${bytes(t.local_bytes || 0)}</td>
          <td class="n pending">${num(t.pending_segments || 0)} (${bytes(t.pending_bytes || 0)})</td>
          <td>${Number(t.last_upload_ms || 0) > 0 ? time(Number(t.last_upload_ms)) : 'never'}</td>
          <td class="errors">${failures > 0 ? html`<span class="error">${num(failures)} failed in a row: ${t.last_error}</span>`
            : t.last_error_ms && Number(t.last_error_ms) > 0 ? 'none since ' + time(Number(t.last_error_ms)) : 'none'}</td>
        </tr>`;
      })}</tbody>
    </table></div>` : null}
    <form id="tiering-settings" onSubmit=${submit}>
      <div class="row">
        <label>Local retention (ms, -1: no limit) <input type="number" id="local-retention-ms"
          value=${values.local_retention_ms !== undefined ? values.local_retention_ms : (config.local_retention_ms || '')}
          onInput=${(e) => setValues({ ...values, local_retention_ms: e.target.value })} /></label>
        <label>Local retention bytes (-1: no limit) <input type="number" id="local-retention-bytes"
          value=${values.local_retention_bytes !== undefined ? values.local_retention_bytes : (config.local_retention_bytes || '')}
          onInput=${(e) => setValues({ ...values, local_retention_bytes: e.target.value })} /></label>
      </div>
      <button type="submit" disabled=${!on}>Save local retention</button>
      <button type="button" class="secondary" id="tiering-switch" onClick=${() => change({ tiering: !on },
        on ? 'Tiering is off.' : 'Tiering is on.')}>${on ? 'Turn tiering off' : 'Turn tiering on'}</button>
    </form>
    <${ErrorBox} error=${actionError} />
    ${saved ? html`<p class="ok" role="status">${saved}</p>` : null}
  </div>`;
}

function SchemaCard({ station, path, onChange }) {
  const config = station.config || {};
  const { data: schemas } = usePoll(() => api('GET', '/schemas').then((l) => l.schemas || []), [], 0);
  const [schema, setSchema] = useState('');
  const [version, setVersion] = useState('0');
  const [error, setError] = useState(null);
  // Until one is picked: the attached schema, else the first.
  const chosen = schema || config.schema || (schemas && schemas.length ? schemas[0].name : '');
  const attach = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('PUT', path + '/schema', { schema: chosen, version: Number(version) });
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  const detach = async () => {
    setError(null);
    try {
      await api('DELETE', path + '/schema');
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="card" id="schema">
    <h2>Schema</h2>
    ${config.schema ? html`<p>Attached: <a href=${link('/schemas/' + seg(config.schema))}>${config.schema}</a>, ${config.schema_version ? 'version ' + config.schema_version : 'the latest version'}${
      config.schema_dead_letter_violations ? ' (violations are dead-lettered)' : ''}</p>
      <button type="button" onClick=${detach}>Detach schema</button>` : html`<p>No schema: values are not checked.</p>`}
    <form onSubmit=${attach}>
      <div class="row">
        <label>Schema <select id="attach-schema" value=${chosen} onChange=${(e) => setSchema(e.target.value)}>
          ${(schemas || []).map((x) => html`<option value=${x.name}>${x.name} (${x.type})</option>`)}
        </select></label>
        <label>Version (0: latest) <input type="number" min="0" value=${version}
          onInput=${(e) => setVersion(e.target.value)} /></label>
        <button type="submit" disabled=${!schemas || schemas.length === 0}>Attach</button>
      </div>
    </form>
    <${ErrorBox} error=${error} />
  </div>`;
}

/** Headers typed one per line as name=value. */
function parseHeaders(text) {
  const headers = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) {
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) {
      throw { code: 'INVALID_ARGUMENT', message: 'a header line must be name=value, was "' + t + '"' };
    }
    headers[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return headers;
}

function Produce({ station, path, onProduced }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [headers, setHeaders] = useState('');
  const [error, setError] = useState(null);
  const [receipt, setReceipt] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setReceipt(null);
    try {
      const message = { value };
      // A station with a schema takes the value as JSON (Protobuf and Avro are encoded from it by the server).
      if (station.config && station.config.schema) {
        try {
          message.value = JSON.parse(value);
        } catch (ignored) {
          message.value = value;
        }
      }
      if (key) {
        message.key = key;
      }
      const h = parseHeaders(headers);
      if (Object.keys(h).length) {
        message.headers = h;
      }
      const answer = await api('POST', path + '/messages', { messages: [message] });
      setReceipt(answer.receipts[0]);
      onProduced();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="produce" onSubmit=${submit}>
    <h2>Produce a test message</h2>
    <label class="field">Key <input id="produce-key" value=${key} onInput=${(e) => setKey(e.target.value)} /></label>
    <label class="field">Value${station.config && station.config.schema ? ' (JSON)' : ''}
      <textarea id="produce-value" rows="4" value=${value} onInput=${(e) => setValue(e.target.value)}></textarea></label>
    <label class="field">Headers (one name=value a line)
      <textarea id="produce-headers" rows="2" value=${headers} onInput=${(e) => setHeaders(e.target.value)}></textarea>
    </label>
    <button type="submit" id="produce-send">Produce</button>
    <${ErrorBox} error=${error} />
    ${receipt ? html`<p class="ok" role="status" id="produce-receipt">Stored at partition ${receipt.partition}, offset ${receipt.offset}${receipt.duplicate ? ' (a duplicate)' : ''}.</p>` : null}
  </form>`;
}

function Browser({ station, path }) {
  const [form, setForm] = useState({ partition: '0', from: 'earliest', limit: '50', search: '' });
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const browse = async (from) => {
    setError(null);
    setBusy(true);
    try {
      const answer = await api('GET', path + '/messages', undefined, { partition: form.partition, from,
        limit: form.limit, search: form.search });
      setPage({ ...answer, from });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const messages = page ? page.messages : [];
  const base = station.name + '-p' + form.partition + '-' + (page ? page.from : '');
  const exportJson = () => download(base + '.json', 'application/json', JSON.stringify(messages, null, 2));
  const exportCsv = () => {
    const cols = ['partition', 'offset', 'timestamp', 'key', 'value', 'headers'];
    const rows = messages.map((m) => cols.map((c) => csvField(c === 'value' ? (m.value === null
      ? m.value_base64 : m.value) : m[c])).join(','));
    download(base + '.csv', 'text/csv', [cols.join(','), ...rows].join('\r\n') + '\r\n');
  };
  return html`<section class="card" id="browser">
    <h2>Messages</h2>
    <form onSubmit=${(e) => {
      e.preventDefault();
      browse(form.from);
    }}>
      <div class="row">
        <label>Partition <select id="browse-partition" value=${form.partition} onChange=${set('partition')}>
          ${(station.partitions || []).map((p) => html`<option value=${p.partition}>${p.partition}</option>`)}
        </select></label>
        <label>From <input id="browse-from" value=${form.from} onInput=${set('from')}
          title="earliest, latest, an offset, an ISO-8601 time or last:N" /></label>
        <label>Limit <input id="browse-limit" type="number" min="1" max="1000" value=${form.limit}
          onInput=${set('limit')} /></label>
        <label>Search <input id="browse-search" type="search" value=${form.search} onInput=${set('search')} /></label>
        <button type="submit" id="browse-go" disabled=${busy}>Browse</button>
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${page ? html`<p class="hint">Offsets ${num(page.first_offset)}–${num(page.end_offset)} stored; ${messages.length} shown${page.end_reached ? ', end reached' : ''}.${' '}
      ${page.end_reached ? null : html`<button type="button" id="browse-next"
        onClick=${() => browse(String(page.next_offset))}>Next page</button>`}
      <button type="button" id="export-json" onClick=${exportJson} disabled=${!messages.length}>Export JSON</button>
      <button type="button" id="export-csv" onClick=${exportCsv} disabled=${!messages.length}>Export CSV</button></p>
    <div class="scroll"><table id="messages">
      <thead><tr><th class="n">Offset</th><th>Time</th><th>Key</th><th>Value</th><th>Headers</th></tr></thead>
      <tbody>${messages.map((m) => html`<tr>
        <td class="n">${m.offset}</td><td>${time(m.timestamp)}</td><td>${m.key}</td>
        <td><pre class=${'value' + (m.value_schema ? ' decoded' : '')}>${shownValue(m)}</pre>
          ${m.value_schema ? html`<small>decoded by ${m.value_schema}</small>` : null}</td>
        <td>${Object.entries(m.headers || {}).map(([k, v]) => html`<div><code>${k}</code>=${v}</div>`)}</td>
      </tr>`)}</tbody></table></div>` : null}
  </section>`;
}

function DeleteStation({ name, path }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const remove = async () => {
    setOpen(false);
    try {
      await api('DELETE', path);
      location.hash = '#/';
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="danger-zone">
    <button type="button" class="danger" onClick=${() => setOpen(true)}>Delete station</button>
    <${ErrorBox} error=${error} />
    <${Confirm} open=${open} title=${'Delete station ' + name + '?'} confirmLabel="Delete"
      onConfirm=${remove} onCancel=${() => setOpen(false)}>
      <p>Every message, group and dead letter of ${name} is deleted. This cannot be undone.</p>
    <//>
  </div>`;
}
