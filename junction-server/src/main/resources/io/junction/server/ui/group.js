// Group: lag per partition (charted over the polls since the page opened), in flight, members, reset and delete.

import { api, seg } from './api.js';
import { html, useState, useRef, usePoll, ErrorBox, Confirm, Chart, num, link } from './ui.js';

const HISTORY = 150;

export function Group({ station, name }) {
  const path = '/stations/' + seg(station) + '/groups/' + seg(name);
  const history = useRef({ times: [], lags: {} });
  const { data: g, error, reload } = usePoll(async () => {
    const info = await api('GET', path);
    record(history.current, info);
    return info;
  }, [station, name]);
  const h = history.current;
  return html`<section>
    <h1>Group ${name} <small>of <a href=${link('/stations/' + seg(station))}>${station}</a></small></h1>
    <${ErrorBox} error=${error} />
    ${g ? html`
      <p class="facts" id="group-facts">Lag ${num(g.lag)} · in flight ${num(g.in_flight)} · ${num(g.member_count)} members ·${' '}
        <a href=${link('/stations/' + seg(station) + '/dead-letters')}>${num(g.dead_letters)} dead letters</a> · ordering ${g.ordering} · on dead letter ${g.on_dead_letter}</p>
      <${Chart} id="lag-chart" title="Lag by partition" unit="messages" times=${h.times}
        series=${Object.keys(h.lags).map((p) => ({ label: 'partition ' + p, values: h.lags[p] }))} />
      <div class="grid">
        <div class="card">
          <h2>Partitions</h2>
          <div class="scroll"><table id="group-partitions">
            <thead><tr><th class="n">Partition</th><th class="n">Ack floor</th><th class="n">Next offset</th>
              <th class="n">Lag</th><th class="n">Skipped</th></tr></thead>
            <tbody>${(g.partitions || []).map((p) => html`<tr><td class="n">${p.partition}</td>
              <td class="n">${num(p.ack_floor)}</td><td class="n">${num(p.next_offset)}</td>
              <td class="n">${num(p.lag)}</td><td class="n">${num(p.skipped)}</td></tr>`)}</tbody>
          </table></div>
        </div>
        <div class="card">
          <h2>Members</h2>
          ${(g.members || []).length === 0 ? html`<p>No members connected.</p>` : html`<div class="scroll"><table>
            <thead><tr><th>Member</th><th>Name</th><th class="n">In flight</th><th class="n">Credits</th></tr></thead>
            <tbody>${g.members.map((m) => html`<tr><td><code>${m.member_id}</code></td><td>${m.name}</td>
              <td class="n">${num(m.in_flight)}</td><td class="n">${num(m.credits)}</td></tr>`)}</tbody>
          </table></div>`}
        </div>
        <${Reset} path=${path} group=${g} onDone=${reload} />
      </div>
      <${DeleteGroup} path=${path} station=${station} name=${name} />` : error ? null : html`<p>Loading…</p>`}
  </section>`;
}

function record(h, info) {
  h.times.push(Date.now() / 1000);
  for (const p of info.partitions || []) {
    if (!h.lags[p.partition]) {
      h.lags[p.partition] = new Array(h.times.length - 1).fill(null);
    }
  }
  for (const [p, values] of Object.entries(h.lags)) {
    const now = (info.partitions || []).find((x) => String(x.partition) === p);
    values.push(now ? Number(now.lag) : null);
  }
  if (h.times.length > HISTORY) {
    h.times.shift();
    Object.values(h.lags).forEach((v) => v.shift());
  }
}

/** The reset's position as the gateway takes it (a StartPosition). */
function position(kind, value) {
  switch (kind) {
    case 'earliest':
    case 'latest':
      return { [kind]: true };
    case 'offset':
      return { offset: Number(value) };
    case 'last_n':
      return { last_n: Number(value) };
    default:
      return { timestamp_ms: new Date(value).getTime() };
  }
}

function Reset({ path, group, onDone }) {
  const [kind, setKind] = useState('earliest');
  const [value, setValue] = useState('');
  const [partition, setPartition] = useState('');
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  const reset = async () => {
    setOpen(false);
    setError(null);
    setDone(false);
    const body = { position: position(kind, value) };
    if (partition !== '') {
      body.partition = Number(partition);
    }
    try {
      await api('POST', path + '/reset', body);
      setDone(true);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const needsValue = kind !== 'earliest' && kind !== 'latest';
  return html`<form class="card" id="reset" onSubmit=${(e) => {
    e.preventDefault();
    setOpen(true);
  }}>
    <h2>Reset position</h2>
    <p class="hint">A group with connected consumers cannot be reset (the answer says so); idle fetch members are
      let go.</p>
    <div class="row">
      <label>To <select value=${kind} onChange=${(e) => setKind(e.target.value)}>
        <option value="earliest">earliest</option><option value="latest">latest</option>
        <option value="offset">offset</option><option value="time">time (ISO-8601)</option>
        <option value="last_n">last N messages</option></select></label>
      ${needsValue ? html`<label>Value <input required value=${value}
        onInput=${(e) => setValue(e.target.value)} /></label>` : null}
      <label>Partition <select value=${partition} onChange=${(e) => setPartition(e.target.value)}>
        <option value="">all</option>
        ${(group.partitions || []).map((p) => html`<option value=${p.partition}>${p.partition}</option>`)}
      </select></label>
      <button type="submit">Reset…</button>
    </div>
    <${ErrorBox} error=${error} />
    ${done ? html`<p class="ok" role="status">Reset.</p>` : null}
    <${Confirm} open=${open} title="Reset the group?" confirmLabel="Reset" onConfirm=${reset}
      onCancel=${() => setOpen(false)}>
      <p>Group ${group.name} moves to ${kind}${needsValue ? ' ' + value : ''} on ${partition === '' ? 'every partition' : 'partition ' + partition}: messages are skipped or delivered again.</p>
    <//>
  </form>`;
}

function DeleteGroup({ path, station, name }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const remove = async () => {
    setOpen(false);
    try {
      await api('DELETE', path, undefined, { force: 'true' });
      location.hash = '#/stations/' + seg(station);
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="danger-zone">
    <button type="button" class="danger" onClick=${() => setOpen(true)}>Delete group</button>
    <${ErrorBox} error=${error} />
    <${Confirm} open=${open} title=${'Delete group ' + name + '?'} confirmLabel="Delete" onConfirm=${remove}
      onCancel=${() => setOpen(false)}><p>Its position and in-flight messages are forgotten.</p><//>
  </div>`;
}
