// Pieces every page uses: Preact with htm, polling, formatting, errors, a confirmation dialog, charts, downloads.

import { h, render } from './vendor/preact.module.js';
import { useState, useEffect, useRef, useCallback } from './vendor/preact-hooks.module.js';
import htm from './vendor/htm.module.js';
import uPlot from './vendor/uPlot.esm.js';

export const html = htm.bind(h);
export { h, render, useState, useEffect, useRef, useCallback };

/** How often pages poll the server for live numbers. */
export const POLL_MS = 2000;

/**
 * Calls `load` now and every `ms` while the component is shown (and again when `deps` change); answers
 * {data, error, reload}. A failed poll keeps the last data and shows the error.
 */
export function usePoll(load, deps, ms = POLL_MS) {
  const [state, setState] = useState({ data: null, error: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      const data = await loadRef.current();
      setState({ data, error: null });
    } catch (error) {
      setState((s) => ({ data: s.data, error }));
    }
  }, []);
  useEffect(() => {
    setState({ data: null, error: null });
    reload();
    if (!ms) {
      return undefined;
    }
    const timer = setInterval(reload, ms);
    return () => clearInterval(timer);
  }, deps);
  return { ...state, reload };
}

export function ErrorBox({ error }) {
  if (!error) {
    return null;
  }
  return html`<p class="error" role="alert"><strong>${error.code || 'ERROR'}</strong>: ${error.message}</p>`;
}

export function bytes(n) {
  if (n === undefined || n === null) {
    return '';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return (u === 0 ? v : v.toFixed(1)) + ' ' + units[u];
}

export function num(n) {
  return n === undefined || n === null ? '' : Number(n).toLocaleString('en');
}

/** An ISO time or milliseconds as a short local time; empty for none. */
export function time(t) {
  if (t === undefined || t === null || t === '' || t === 0) {
    return '';
  }
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  return isNaN(d) ? String(t) : d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A message value as shown: JSON (decoded by its schema) pretty-printed, text as it is, bytes as Base64. */
export function shownValue(m) {
  if (m.value === null || m.value === undefined) {
    return m.value_base64 !== undefined ? 'base64:' + m.value_base64 : '';
  }
  return typeof m.value === 'string' ? m.value : JSON.stringify(m.value, null, 2);
}

export function link(hash) {
  return '#' + hash;
}

/**
 * A modal confirmation: `open` shows it; Confirm calls onConfirm, Cancel (or Escape) onCancel. A native <dialog>:
 * focus is trapped and restored by the browser.
 */
export function Confirm({ open, title, children, confirmLabel = 'Confirm', danger = true, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) {
      return;
    }
    if (open && !d.open) {
      d.showModal();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);
  return html`<dialog ref=${ref} class="confirm" aria-labelledby="confirm-title" onCancel=${(e) => {
    e.preventDefault();
    onCancel();
  }}>
    <h2 id="confirm-title">${title}</h2>
    <div>${children}</div>
    <div class="buttons">
      <button type="button" class=${danger ? 'danger' : ''} id="confirm-ok" onClick=${onConfirm}>${confirmLabel}</button>
      <button type="button" class="secondary" id="confirm-cancel" onClick=${onCancel}>Cancel</button>
    </div>
  </dialog>`;
}

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d'];

/**
 * A line chart of `series` ({label, values}) over `times` (seconds), drawn by uPlot into a canvas; it follows the
 * width of its container.
 */
export function Chart({ id, title, times, series, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  const labels = series.map((s) => s.label).join('\u0000');
  useEffect(() => {
    const el = box.current;
    const width = Math.max(200, el.clientWidth || 600);
    const opts = {
      title, width, height: 220,
      // At least the last minute across, so that the first few polls do not spread over years.
      scales: { x: { time: true, range: (u, min, max) => (min === null || max === null ? [Date.now() / 1000 - 60,
        Date.now() / 1000] : [Math.min(min, max - 60), max]) }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
      legend: { live: false },
    };
    plot.current = new uPlot(opts, [times, ...series.map((s) => s.values)], el);
    const resize = () => plot.current && plot.current.setSize({ width: Math.max(200, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current.destroy();
      plot.current = null;
    };
  }, [labels]);
  useEffect(() => {
    if (plot.current) {
      plot.current.setData([times, ...series.map((s) => s.values)]);
    }
  });
  return html`<figure class="chart" id=${id} data-points=${times.length}><div ref=${box}></div>
    ${series.length === 0 ? html`<figcaption>Nothing to plot yet.</figcaption>` : null}</figure>`;
}

/** Offers `text` as a file download named `name`. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(v) {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
