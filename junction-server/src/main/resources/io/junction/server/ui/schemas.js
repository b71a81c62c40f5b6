// Schemas: the list (and a form to create one); a schema's versions side by side with a line diff, and a form to add
// a version whose answer is the compatibility verdict.

import { api, seg } from './api.js';
import { html, useState, usePoll, ErrorBox, time, link } from './ui.js';

const TYPES = ['json', 'avro', 'protobuf', 'graphql'];
const COMPATIBILITY = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE',
  'NONE'];

export function Schemas() {
  const { data, error, reload } = usePoll(() => api('GET', '/schemas').then((l) => l.schemas || []), []);
  return html`<section>
    <h1>Schemas</h1>
    <${ErrorBox} error=${error} />
    ${data && data.length === 0 ? html`<p>No schemas yet.</p>` : null}
    ${data && data.length > 0 ? html`<div class="scroll"><table id="schemas">
      <thead><tr><th>Schema</th><th>Type</th><th>Compatibility</th><th class="n">Versions</th><th>Stations</th>
        <th>Created</th></tr></thead>
      <tbody>${data.map((s) => html`<tr><td><a href=${link('/schemas/' + seg(s.name))}>${s.name}</a></td>
        <td>${s.type}</td><td>${s.compatibility}</td><td class="n">${(s.versions || []).length}</td>
        <td>${(s.stations || []).map((st, i) => html`${i ? ', ' : ''}<a href=${link('/stations/' + seg(st))}>${st}</a>`)}
        </td><td>${time(s.created_at_ms)}</td></tr>`)}</tbody></table></div>` : null}
    <${CreateSchema} onCreated=${reload} />
  </section>`;
}

function CreateSchema({ onCreated }) {
  const [form, setForm] = useState({ name: '', type: 'json', compatibility: 'BACKWARD', definition: '' });
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const s = await api('POST', '/schemas', form);
      setDone(s.name);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="create-schema" onSubmit=${submit}>
    <h2>Create a schema</h2>
    <div class="row">
      <label>Name <input id="schema-name" required value=${form.name} onInput=${set('name')} /></label>
      <label>Type <select id="schema-type" value=${form.type} onChange=${set('type')}>
        ${TYPES.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
      <label>Compatibility <select value=${form.compatibility} onChange=${set('compatibility')}>
        ${COMPATIBILITY.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
    </div>
    <label class="field">Definition <textarea id="schema-definition" rows="8" required value=${form.definition}
      onInput=${set('definition')}></textarea></label>
    <button type="submit">Create schema</button>
    <${ErrorBox} error=${error} />
    ${done ? html`<p class="ok" role="status">Created <a href=${link('/schemas/' + seg(done))}>${done}</a>.</p>` : null}
  </form>`;
}

export function Schema({ name }) {
  const { data: s, error, reload } = usePoll(() => api('GET', '/schemas/' + seg(name)), [name], 0);
  const [left, setLeft] = useState(null);
  const [right, setRight] = useState(null);
  if (!s) {
    return html`<section><h1>Schema ${name}</h1><${ErrorBox} error=${error} /></section>`;
  }
  const versions = s.versions || [];
  const r = right !== null ? right : versions.length;
  const l = left !== null ? left : Math.max(1, r - 1);
  const pick = (value, set) => html`<select value=${value} onChange=${(e) => set(Number(e.target.value))}>
    ${versions.map((_, i) => html`<option value=${i + 1}>version ${i + 1}</option>`)}</select>`;
  return html`<section>
    <h1>Schema ${s.name}</h1>
    <${ErrorBox} error=${error} />
    <p class="facts">${s.type} · ${s.compatibility} · ${versions.length} versions · attached to ${(s.stations || []).length ? s.stations.join(', ') : 'no station'}</p>
    <div class="row">
      <label>Left ${pick(l, setLeft)}</label>
      <label>Right ${pick(r, setRight)}</label>
    </div>
    <${Diff} a=${versions[l - 1] || ''} b=${versions[r - 1] || ''} />
    <${AddVersion} schema=${s} onAdded=${(n) => {
      setLeft(n - 1);
      setRight(n);
      reload();
    }} />
  </section>`;
}

/** A JSON definition (JSON Schema, Avro) one property a line, so that the diff shows what changed; else as it is. */
function pretty(definition) {
  try {
    return JSON.stringify(JSON.parse(definition), null, 2);
  } catch (e) {
    return definition;
  }
}

/** The lines of a and b side by side, aligned by their longest common subsequence. */
function Diff({ a, b }) {
  const rows = diffLines(pretty(a).split('\n'), pretty(b).split('\n'));
  return html`<div class="scroll"><table class="diff" id="schema-diff">
    <tbody>${rows.map(([kind, x, y]) => html`<tr class=${kind}>
      <td class="line"><pre>${x === null ? '' : x}</pre></td><td class="line"><pre>${y === null ? '' : y}</pre></td>
    </tr>`)}</tbody></table></div>`;
}

function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const rows = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      rows.push(['same', a[i++], b[j++]]);
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      rows.push(['added', null, b[j++]]);
    } else {
      rows.push(['removed', a[i++], null]);
    }
  }
  return rows;
}

function AddVersion({ schema, onAdded }) {
  const versions = schema.versions || [];
  const [definition, setDefinition] = useState(pretty(versions[versions.length - 1] || ''));
  const [error, setError] = useState(null);
  const [added, setAdded] = useState(null);
  const [checked, setChecked] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setAdded(null);
    setChecked(null);
    try {
      const s = await api('POST', '/schemas/' + seg(schema.name) + '/versions', { definition });
      const n = (s.versions || []).length;
      setAdded(n);
      onAdded(n);
    } catch (err) {
      setError(err);
    }
  };
  // The verdict before saving: the same request with dry_run, which stores nothing.
  const check = async () => {
    setError(null);
    setAdded(null);
    setChecked(null);
    try {
      const s = await api('POST', '/schemas/' + seg(schema.name) + '/versions', { definition, dry_run: true });
      setChecked((s.versions || []).length);
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="add-version" onSubmit=${submit}>
    <h2>Add a version</h2>
    <p class="hint">Checked against ${schema.compatibility}: an incompatible version is refused and the answer says what breaks. Check first to see the verdict without saving.</p>
    <label class="field">Definition <textarea id="version-definition" rows="10" value=${definition}
      onInput=${(e) => setDefinition(e.target.value)}></textarea></label>
    <div class="row">
      <button type="button" id="check-version" class="secondary" onClick=${check}>Check compatibility</button>
      <button type="submit">Add version</button>
    </div>
    <${ErrorBox} error=${error} />
    ${checked ? html`<p class="ok" role="status" id="check-verdict">${'Compatible: it would be version ' + checked
      + ' (not saved yet).'}</p>` : null}
    ${added ? html`<p class="ok" role="status">Compatible: saved as version ${added}.</p>` : null}
  </form>`;
}
