// Dead letters of a station: list (optionally of one group), inspect one, resend or drop one, many or all, each
// after a confirmation. A resent letter goes back to the group that dead-lettered it.

import { api, seg } from './api.js';
import { html, useState, usePoll, ErrorBox, Confirm, num, time, shownValue, link } from './ui.js';

export function DeadLetters({ station }) {
  const path = '/stations/' + seg(station) + '/dead-letters';
  const [group, setGroup] = useState('');
  const [selected, setSelected] = useState(new Set());
  const [inspected, setInspected] = useState(null);
  const [action, setAction] = useState(null); // {verb: 'resend'|'drop', ids: [...] | null (all)}
  const [result, setResult] = useState(null);
  const [actionError, setActionError] = useState(null);
  const { data, error, reload } = usePoll(() => api('GET', path, undefined, { group, limit: 1000 })
      .then((a) => a.dead_letters || []), [station, group]);
  const letters = data || [];
  const open = new Set(letters.map((d) => d.id));
  const chosen = [...selected].filter((id) => open.has(id));
  const toggle = (id) => {
    const next = new Set(selected);
    if (next.has(id)) {
      next.delete(id);
    } else {
      next.add(id);
    }
    setSelected(next);
  };
  const run = async () => {
    const { verb, ids } = action;
    setAction(null);
    setActionError(null);
    setResult(null);
    const body = ids ? { ids } : { all: true };
    if (!ids && group) {
      body.group = group;
    }
    try {
      const answer = await api('POST', path + '/' + verb, body);
      setResult((verb === 'resend' ? 'Resent ' : 'Dropped ') + num(answer.count) + ' dead letter'
        + (answer.count === 1 ? '' : 's') + '.');
      setSelected(new Set());
      setInspected(null);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const groups = [...new Set(letters.map((d) => d.group))];
  const describe = action ? (action.ids ? action.ids.length + ' dead letter' + (action.ids.length === 1 ? '' : 's')
    + ' (id ' + action.ids.join(', ') + ')' : 'every dead letter' + (group ? ' of group ' + group : '')
    + ' of ' + station) : '';
  return html`<section>
    <h1>Dead letters <small>of <a href=${link('/stations/' + seg(station))}>${station}</a></small></h1>
    <${ErrorBox} error=${error} />
    <div class="row toolbar">
      <label>Group <input id="dls-group" value=${group} placeholder="all groups" list="dls-groups"
        onChange=${(e) => setGroup(e.target.value.trim())} /></label>
      <datalist id="dls-groups">${groups.map((g) => html`<option value=${g}></option>`)}</datalist>
      <button type="button" id="resend-selected" disabled=${chosen.length === 0}
        onClick=${() => setAction({ verb: 'resend', ids: chosen })}>Resend selected (${chosen.length})</button>
      <button type="button" id="drop-selected" class="danger" disabled=${chosen.length === 0}
        onClick=${() => setAction({ verb: 'drop', ids: chosen })}>Drop selected (${chosen.length})</button>
      <button type="button" id="resend-all" disabled=${letters.length === 0}
        onClick=${() => setAction({ verb: 'resend', ids: null })}>Resend all</button>
      <button type="button" id="drop-all" class="danger" disabled=${letters.length === 0}
        onClick=${() => setAction({ verb: 'drop', ids: null })}>Drop all</button>
    </div>
    <${ErrorBox} error=${actionError} />
    ${result ? html`<p class="ok" role="status" id="dls-result">${result}</p>` : null}
    ${data && letters.length === 0 ? html`<p id="dls-empty">No open dead letters.</p>` : null}
    ${letters.length > 0 ? html`<div class="scroll"><table id="dead-letters">
      <thead><tr><th><input type="checkbox" aria-label="Select all" id="dls-select-all"
          checked=${chosen.length === letters.length}
          onChange=${(e) => setSelected(new Set(e.target.checked ? letters.map((d) => d.id) : []))} /></th>
        <th class="n">Id</th><th>Group</th><th>Reason</th><th>Error</th><th class="n">Deliveries</th>
        <th>Partition/offset</th><th>First delivery</th><th>Last delivery</th><th>Dead-lettered</th><th></th></tr></thead>
      <tbody>${letters.map((d) => html`<tr class=${inspected === d.id ? 'selected' : ''}>
        <td><input type="checkbox" class="dls-select" aria-label=${'Select dead letter ' + d.id}
          checked=${selected.has(d.id)} onChange=${() => toggle(d.id)} /></td>
        <td class="n">${d.id}</td><td>${d.group}</td><td>${d.reason}</td><td>${d.error}</td>
        <td class="n">${d.deliveries}</td><td>${d.partition}/${d.offset}</td>
        <td>${time(d.first_delivery)}</td><td>${time(d.last_delivery)}</td><td>${time(d.dead_lettered_at)}</td>
        <td><button type="button" class="inspect" onClick=${() => setInspected(d.id)}>Inspect</button></td>
      </tr>`)}</tbody></table></div>` : null}
    ${inspected !== null && letters.find((d) => d.id === inspected)
      ? html`<${Inspect} letter=${letters.find((d) => d.id === inspected)}
          onResend=${(id) => setAction({ verb: 'resend', ids: [id] })}
          onDrop=${(id) => setAction({ verb: 'drop', ids: [id] })} onClose=${() => setInspected(null)} />` : null}
    <${Confirm} open=${action !== null} title=${action ? (action.verb === 'resend' ? 'Resend ' : 'Drop ') + describe + '?'
      : ''} confirmLabel=${action && action.verb === 'resend' ? 'Resend' : 'Drop'}
      danger=${!action || action.verb !== 'resend'} onConfirm=${run}
      onCancel=${() => setAction(null)}>
      <p>${action && action.verb === 'resend' ? 'Each goes back to the group that dead-lettered it, to be delivered again.'
        : 'They are removed for good.'}</p>
    <//>
  </section>`;
}

function Inspect({ letter, onResend, onDrop, onClose }) {
  return html`<div class="card" id="inspect">
    <h2>Dead letter ${letter.id}</h2>
    <dl>
      <dt>Group</dt><dd>${letter.group}</dd>
      <dt>Reason</dt><dd>${letter.reason}${letter.error ? ': ' + letter.error : ''}</dd>
      <dt>Message</dt><dd>partition ${letter.partition}, offset ${letter.offset}, ${time(letter.timestamp)}</dd>
      <dt>Key</dt><dd>${letter.key === null ? html`<em>none</em>` : letter.key}</dd>
      <dt>Value${letter.value_schema ? ' (decoded by ' + letter.value_schema + ')' : ''}</dt>
      <dd><pre class="value">${shownValue(letter)}</pre></dd>
      <dt>Headers</dt><dd>${Object.entries(letter.headers || {}).map(([k, v]) => html`<div><code>${k}</code>=${v}</div>`)}
      </dd>
    </dl>
    <div class="row">
      <button type="button" onClick=${() => onResend(letter.id)}>Resend</button>
      <button type="button" class="danger" onClick=${() => onDrop(letter.id)}>Drop</button>
      <button type="button" class="secondary" onClick=${onClose}>Close</button>
    </div>
  </div>`;
}
