// Overview: the tenant's stations with their counts, a live throughput chart, and a form to create a station.

import { api, seg } from './api.js';
import { html, useState, useRef, usePoll, ErrorBox, Chart, bytes, num, link } from './ui.js';

/** Samples kept for the throughput chart: 5 minutes at one poll each 2 s. */
const HISTORY = 150;
/** Stations whose groups (and dead letters) are counted on each poll. */
const MAX_STATIONS_DETAILED = 50;

export function Overview() {
  const history = useRef({ times: [], last: null, rates: {} });
  const { data, error, reload } = usePoll(async () => {
    const list = await api('GET', '/stations', undefined, { limit: 1000 });
    const stations = list.stations || [];
    const groups = await Promise.all(stations.slice(0, MAX_STATIONS_DETAILED).map((s) =>
      api('GET', '/stations/' + seg(s.name) + '/groups').then((g) => g.groups || [], () => null)));
    record(history.current, stations);
    return { stations, groups };
  }, []);
  const h = history.current;
  const names = Object.keys(h.rates).filter((n) => h.rates[n].some((v) => v !== null)).slice(0, 8);
  return html`<section>
    <h1>Overview</h1>
    <${ErrorBox} error=${error} />
    <${Chart} id="throughput-chart" title="Messages per second, by station" unit="msg/s" times=${h.times}
      series=${names.map((n) => ({ label: n, values: h.rates[n] }))} />
    <h2>Stations</h2>
    ${data && data.stations.length === 0 ? html`<p>No stations yet: create one below.</p>` : null}
    ${data && data.stations.length > 0 ? html`<div class="scroll"><table id="stations">
      <thead><tr><th>Station</th><th class="n">Partitions</th><th class="n">Messages</th><th class="n">Bytes</th>
        <th class="n">Groups</th><th class="n">Dead letters</th><th>Schema</th></tr></thead>
      <tbody>${data.stations.map((s, i) => {
        const groups = data.groups[i];
        const dls = groups ? groups.reduce((sum, g) => sum + Number(g.dead_letters || 0), 0) : null;
        return html`<tr>
          <td><a href=${link('/stations/' + seg(s.name))}>${s.name}</a></td>
          <td class="n">${(s.partitions || []).length}</td>
          <td class="n">${num(s.messages)}</td>
          <td class="n">${bytes(s.bytes)}</td>
          <td class="n">${groups ? groups.length : ''}</td>
          <td class="n">${dls === null ? '' : dls > 0
            ? html`<a href=${link('/stations/' + seg(s.name) + '/dead-letters')}>${num(dls)}</a>` : '0'}</td>
          <td>${s.config && s.config.schema ? s.config.schema : ''}</td>
        </tr>`;
      })}</tbody></table></div>` : null}
    <${CreateStation} onCreated=${reload} />
  </section>`;
}

/** Adds one sample: the change of each station's message count per second since the last poll. */
function record(h, stations) {
  const now = Date.now() / 1000;
  const counts = Object.fromEntries(stations.map((s) => [s.name, Number(s.messages || 0)]));
  if (h.last) {
    const dt = Math.max(0.001, now - h.last.time);
    h.times.push(now);
    for (const name of new Set([...Object.keys(counts), ...Object.keys(h.rates)])) {
      if (!h.rates[name]) {
        h.rates[name] = new Array(h.times.length - 1).fill(null);
      }
      const before = h.last.counts[name];
      h.rates[name].push(before === undefined || counts[name] === undefined ? null
        : Math.max(0, (counts[name] - before) / dt));
    }
    if (h.times.length > HISTORY) {
      h.times.shift();
      Object.values(h.rates).forEach((r) => r.shift());
    }
  }
  h.last = { time: now, counts };
}

function CreateStation({ onCreated }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const s = await api('POST', '/stations', { name, partitions: Number(partitions) });
      setDone(s.name);
      setName('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="card" id="create-station" onSubmit=${submit}>
    <h2>Create a station</h2>
    <div class="row">
      <label>Name <input id="station-name" required value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <label>Partitions <input id="station-partitions" type="number" min="1" value=${partitions}
        onInput=${(e) => setPartitions(e.target.value)} /></label>
      <button type="submit">Create</button>
    </div>
    <${ErrorBox} error=${error} />
    ${done ? html`<p class="ok" role="status">Created <a href=${link('/stations/' + seg(done))}>${done}</a>.</p>` : null}
  </form>`;
}
