// Connectors: the tenant's connectors (CDC in, HTTP out) with their state, lag, last error and counts, polled; an
// admin pauses and resumes them here (create and delete with the CLI or REST: docs/connectors.md).

import { api, seg } from './api.js';
import { html, useState, usePoll, ErrorBox, num, link } from './ui.js';

export function Connectors({ admin }) {
  const { data, error, reload } = usePoll(() => api('GET', '/connectors').then((l) => l.connectors || []), []);
  const [actionError, setActionError] = useState(null);
  const act = async (name, what) => {
    setActionError(null);
    try {
      await api('POST', '/connectors/' + seg(name) + '/' + what);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return html`<section>
    <h1>Connectors</h1>
    <${ErrorBox} error=${error || actionError} />
    ${data && data.length === 0 ? html`<p>No connectors yet. Create one with <code>junction connector create</code>
      (CDC from PostgreSQL, HTTP delivery) or <code>POST /api/v1/connectors</code>.</p>` : null}
    ${data && data.length > 0 ? html`<div class="scroll"><table id="connectors">
      <thead><tr><th>Connector</th><th>Type</th><th>Station</th><th>State</th><th class="n">Lag</th>
        <th>Position</th><th>Counts</th><th>Last error</th>${admin ? html`<th></th>` : null}</tr></thead>
      <tbody>${data.map((c) => html`<tr id=${'connector-' + c.name}>
        <td>${c.name}</td><td>${c.type}</td>
        <td><a href=${link('/stations/' + seg(c.station))}>${c.station}</a></td>
        <td class=${'state state-' + c.state}>${c.state}</td>
        <td class="n">${Number(c.lag) < 0 ? '–' : num(Number(c.lag)) + ' ' + (c.lag_unit || '')}</td>
        <td>${c.position || '–'}</td>
        <td>${Object.entries(c.counts || {}).sort().map(([k, v], i) => html`${i ? ', ' : ''}${k} ${num(Number(v))}`)}
        </td>
        <td class="error">${c.last_error || ''}${(c.warnings || []).map((w) => html`<div>⚠ ${w}</div>`)}</td>
        ${admin ? html`<td>${c.paused
          ? html`<button id=${'resume-connector-' + c.name} onClick=${() => act(c.name, 'resume')}>Resume</button>`
          : html`<button id=${'pause-connector-' + c.name} onClick=${() => act(c.name, 'pause')}>Pause</button>`}
        </td>` : null}
      </tr>`)}</tbody></table></div>` : null}
  </section>`;
}
