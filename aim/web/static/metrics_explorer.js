// Metrics explorer. The address is the view's state: ?q= (a search; Back and Forward walk through
// searches), color= stroke= chart= (comma-separated grouping fields: metric.name, metric.context,
// metric.context.<key>, run.hash|name|experiment|tags, run.<param path>), agg= (line: mean,
// median, min, max; reduced in the daemon), band= (minmax, std, stderr, ci95), members=1, x=
// (step, epoch, time, abstime, or metric:<name>: that metric's value at the same step of the same
// run), xlog=1, ylog=1, xrange= and yrange= ("low,high"), outliers=1 (the y axis leaves out the
// lowest and highest 2 % of values), smooth= with sm= (ema or cma), hide= (a JSON list of
// the hidden lines' keys). Everything but the search changes the address in place (replaceState).
'use strict';

const EXPLORER_DEFAULTS = { q: '', color: 'run.hash', stroke: '', chart: 'metric.name', agg: '', band: '',
  members: '', x: 'step', xlog: '', ylog: '', xrange: '', yrange: '', outliers: '', smooth: '', sm: 'ema', hide: '' };
const LEGACY_FIELDS = { metric: 'metric.name', context: 'metric.context', 'metric+context': 'metric.name,metric.context',
  run: 'run.hash', none: '' };
const EXPLORER_X = { step: 'step', epoch: 'epoch', time: 'relative time (s)', abstime: 'time' };
const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'];
const RUN_FIELDS = ['hash', 'name', 'experiment', 'tags', 'archived'];
const BANDS = { '': 'no band', minmax: 'min-max', std: 'mean ± std dev', stderr: 'mean ± std error', ci95: '95 % confidence' };

// The view described by an address's query string (older addresses' group=, colour=, log= too).
function explorerState(search) {
  const params = new URLSearchParams(search);
  const state = { ...EXPLORER_DEFAULTS };
  if (params.has('group')) state.chart = LEGACY_FIELDS[params.get('group')] ?? params.get('group');
  if (params.has('colour')) {
    const colour = params.get('colour');
    state.color = colour.startsWith('param:') ? `run.${colour.slice(6)}` : (LEGACY_FIELDS[colour] ?? colour);
  }
  if (params.get('log') === '1') state.ylog = '1';
  for (const key of Object.keys(EXPLORER_DEFAULTS)) if (params.has(key)) state[key] = params.get(key);
  return state;
}

function explorerSearch(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) if (value !== EXPLORER_DEFAULTS[key]) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function fieldList(text) {
  return String(text || '').split(',').map((f) => f.trim()).filter(Boolean);
}

// A grouping field's value for one series (undefined: the run has none, its group is "none").
function fieldValue(series, field) {
  if (field === 'metric.name') return series.name;
  if (field === 'metric.context') return contextText(series.context) || undefined;
  if (field.startsWith('metric.context.')) return series.context[field.slice(15)];
  if (!field.startsWith('run.')) return undefined;
  const path = field.slice(4);
  if (RUN_FIELDS.includes(path)) return series.run[path];
  return series.run.params[path];
}

// The keys of the hidden lines: hide= holds them as a JSON list (a key may hold commas).
function hiddenKeys(state) {
  try {
    const keys = JSON.parse(state.hide || '[]');
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch (err) {
    return [];
  }
}

function valueText(value) {
  if (value === undefined || value === null) return 'none';
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : fmtValue(value);
}

// The text naming a group: field=value for each field (the field's last part).
// A run's hash is named by the run's label (its name, else its hash's start), from runs.
function groupText(fields, values, runs) {
  if (!fields.length) return 'all';
  return fields.map((f, i) => {
    if (f === 'run.hash' && runs && runs[values[i]]) return `run=${runLabel(runs[values[i]])}`;
    return `${f.split('.').pop()}=${valueText(values[i])}`;
  }).join(', ');
}

function smoothed(values, kind, factor) {
  if (!factor) return values;
  if (kind !== 'cma') return ema(values, factor);
  const half = Math.round(factor * 25); // a window of 2 * half + 1 points, centred
  return values.map((_, i) => {
    let sum = 0; let n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) {
      if (values[j] !== null) { sum += values[j]; n++; }
    }
    return n ? sum / n : null;
  });
}

function smoothingText(state) {
  const factor = Number(state.smooth) || 0;
  if (!factor) return 'no smoothing';
  return state.sm === 'cma' ? `centred moving average over ${2 * Math.round(factor * 25) + 1} points` : `EMA ${factor.toFixed(2)}`;
}

// x values of a series: its steps, epochs or times, or another metric's value at the same step
// of the same run (partner finds that metric: same context if it has one, else its first).
function explorerX(series, axis, partner) {
  if (axis === 'abstime') return series.times.map((t) => (t === null ? null : new Date(t * 1000)));
  if (axis.startsWith('metric:')) {
    const other = partner(series, axis.slice(7));
    if (!other) return series.steps.map(() => null);
    const at = new Map(other.steps.map((step, i) => [step, other.values[i]]));
    return series.steps.map((step) => (at.has(step) ? at.get(step) : null));
  }
  return xValues(series, axis);
}

function xTitle(axis) {
  return EXPLORER_X[axis] || (axis.startsWith('metric:') ? `${axis.slice(7)} (at the same step)` : 'step');
}

function partnerFinder(series) {
  const byRunName = new Map();
  for (const s of series) {
    const key = `${s.run.hash}/${s.name}`;
    if (!byRunName.has(key)) byRunName.set(key, []);
    byRunName.get(key).push(s);
  }
  return (s, name) => {
    const candidates = byRunName.get(`${s.run.hash}/${name}`) || [];
    const context = contextText(s.context);
    return candidates.find((c) => contextText(c.context) === context) || candidates[0];
  };
}

// [low, high] of a "low,high" text, or null.
function rangeOf(text, log) {
  const parts = String(text || '').split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0] >= parts[1]) return null;
  return log ? parts.map((v) => (v > 0 ? Math.log10(v) : -10)) : parts;
}

// The y range that leaves out the lowest and highest 2 % of a chart's values (its line traces).
function withoutOutliers(traces, log) {
  const values = traces.filter((t) => t.meta !== 'band').flatMap((t) => t.y).filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (values.length < 10) return null;
  values.sort((a, b) => a - b);
  let low = values[Math.floor(values.length * 0.02)]; let high = values[Math.ceil(values.length * 0.98) - 1];
  if (log) { low = Math.log10(low); high = Math.log10(high); }
  const pad = (high - low) * 0.05 || 1;
  return [low - pad, high + pad];
}

// Assigns each distinct key a slot (colour or dash), in the order first seen.
function slots() {
  const seen = new Map();
  return (key) => { if (!seen.has(key)) seen.set(key, seen.size); return seen.get(key); };
}

function chartLayout(title, state) {
  return {
    title: { text: plotText(title), font: { size: 14 } },
    margin: { l: 50, r: 10, t: 40, b: 40 },
    xaxis: { title: { text: plotText(xTitle(state.x)) }, type: state.xlog ? 'log' : (state.x === 'abstime' ? 'date' : 'linear'),
      range: rangeOf(state.xrange, state.xlog) || undefined },
    yaxis: { type: state.ylog ? 'log' : 'linear', range: rangeOf(state.yrange, state.ylog) || undefined },
    hovermode: 'closest',
    showlegend: false,
    height: 360,
  };
}

// The charts, the key and the table rows of a view: curves (one trace per series) or, with an
// aggregation, a line and band per group (from the daemon) over the member curves if asked.
function explorerView(series, groups, state, xSeries) {
  const colorFields = fieldList(state.color);
  const strokeFields = fieldList(state.stroke);
  const chartFields = fieldList(state.chart);
  const hidden = new Set(hiddenKeys(state));
  const colourOf = slots(); const dashOf = slots();
  const charts = new Map();
  const colours = new Map(); const strokes = new Map();
  const rows = [];
  const runs = { ...(groups ? groups.runs : {}) };
  for (const s of series) runs[s.run.hash] = s.run;
  const place = (valueOf) => {
    const chart = groupText(chartFields, chartFields.map(valueOf), runs);
    const colour = groupText(colorFields, colorFields.map(valueOf), runs);
    const stroke = groupText(strokeFields, strokeFields.map(valueOf), runs);
    if (!charts.has(chart)) charts.set(chart, { title: chart, traces: [], layout: chartLayout(chart, state) });
    const color = PALETTE[colourOf(colour) % PALETTE.length];
    const dash = DASHES[dashOf(stroke) % DASHES.length];
    colours.set(colour, color); strokes.set(stroke, dash);
    return { chart: charts.get(chart), color, dash, colour, stroke };
  };
  const factor = Number(state.smooth) || 0;
  const partner = partnerFinder([...series, ...(xSeries || [])]);
  const curveTraces = (members) => {
    for (const s of members) {
      const key = `${s.run.hash}/${s.name}/${contextText(s.context)}`;
      const at = place((f) => fieldValue(s, f));
      const last = s.values.length ? s.values[s.values.length - 1] : null;
      if (!groups) rows.push({ key, kind: 'curve', run: s.run, metric: s.name, context: contextText(s.context), group: `${at.colour} · ${at.stroke}`, color: at.color, count: s.count, last, min: Math.min(...s.values.filter((v) => v !== null)), max: Math.max(...s.values.filter((v) => v !== null)), hidden: hidden.has(key) });
      if (hidden.has(key)) continue;
      at.chart.traces.push({
        type: 'scatter', mode: s.steps.length > 1 ? 'lines' : 'markers',
        x: explorerX(s, state.x, partner), y: smoothed(s.values, state.sm, factor),
        name: plotText(shorten(`${runLabel(s.run)} · ${s.name} ${contextText(s.context)}`, LEGEND_CHARS)),
        customdata: s.steps.map(() => s.run.hash),
        opacity: groups ? 0.25 : 1,
        line: { color: at.color, dash: at.dash, width: groups ? 1 : 1.5 },
        hovertemplate: `%{fullData.name}<br>${plotText(shorten([at.colour, at.stroke].filter((t) => t !== 'all').join(' · '), LEGEND_CHARS))}`
          + `<br>${plotText(xTitle(state.x))} %{x}<br>value %{y}<extra></extra>`,
      });
    }
  };
  if (!groups) curveTraces(series);
  else {
    const fields = groupFields(state);
    for (const g of groups.groups) {
      const valueOf = (f) => g.values[fields.indexOf(f)];
      const at = place(valueOf);
      const key = groupText(fields, g.values, runs);
      const finite = g.line.filter((v) => v !== null);
      rows.push({ key, kind: 'group', group: key, color: at.color, curves: g.curves, runs: g.runs.length, steps: g.common_steps, last: finite.length ? finite[finite.length - 1] : null, min: Math.min(...finite), max: Math.max(...finite), hidden: hidden.has(key) });
      if (hidden.has(key)) continue;
      const line = smoothed(g.line, state.sm, factor);
      if (g.low && g.high) {
        at.chart.traces.push({ type: 'scatter', mode: 'lines', x: g.steps, y: g.high, line: { width: 0, color: at.color }, hoverinfo: 'skip', showlegend: false, name: 'band high' });
        at.chart.traces.push({ type: 'scatter', mode: 'lines', x: g.steps, y: g.low, fill: 'tonexty', fillcolor: `${at.color}33`, line: { width: 0, color: at.color }, hoverinfo: 'skip', name: 'band low', meta: 'band' });
      }
      at.chart.traces.push({
        type: 'scatter', mode: g.steps.length > 1 ? 'lines' : 'markers', x: g.steps, y: line, name: plotText(shorten(key, LEGEND_CHARS)),
        line: { color: at.color, dash: at.dash, width: 2 }, meta: 'line',
        hovertemplate: `%{fullData.name}<br>step %{x}<br>${state.agg} %{y}<br>${g.curves} curves<extra></extra>`,
      });
    }
    if (state.members === '1') curveTraces(series);
  }
  if (state.outliers === '1' && !rangeOf(state.yrange)) {
    for (const chart of charts.values()) chart.layout.yaxis.range = withoutOutliers(chart.traces, state.ylog) || undefined;
  }
  return { charts: [...charts.values()], colours, strokes, rows, colorFields, strokeFields };
}

// The fields the daemon groups by: colour, stroke and chart fields together.
function groupFields(state) {
  return [...new Set([...fieldList(state.color), ...fieldList(state.stroke), ...fieldList(state.chart)])];
}

function groupKey(view) {
  const key = el('div', { class: 'group-key' });
  if (view.colorFields.length) {
    key.append(el('span', { class: 'key-title', text: 'colour: ' }),
      ...[...view.colours].map(([name, color]) => el('span', { class: 'key-item key-colour' },
        el('span', { class: 'swatch', style: `background:${color}` }), name)));
  }
  if (view.strokeFields.length) {
    key.append(el('span', { class: 'key-title', text: 'stroke: ' }),
      ...[...view.strokes].map(([name, dash]) => el('span', { class: 'key-item key-stroke' },
        el('span', { class: `stroke stroke-${dash}` }), name)));
  }
  return key;
}

function csvText(rows, columns) {
  const cell = (v) => { const t = v === undefined || v === null ? '' : String(v); return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t; };
  return [columns.map(([, label]) => cell(label)).join(','), ...rows.map((r) => columns.map(([k]) => cell(k === 'run' ? (r.run && r.run.hash) : r[k])).join(','))].join('\n');
}

function explorerTable(view, onToggle) {
  const grouped = view.rows.length && view.rows[0].kind === 'group';
  const columns = grouped
    ? [['group', 'group'], ['curves', 'curves'], ['runs', 'runs'], ['steps', 'common steps'], ['last', 'last'], ['min', 'min'], ['max', 'max']]
    : [['run', 'run'], ['metric', 'metric'], ['context', 'context'], ['group', 'group'], ['count', 'points'], ['last', 'last'], ['min', 'min'], ['max', 'max']];
  const body = view.rows.map((row) => el('tr', { 'data-key': row.key, class: row.hidden ? 'hidden-line' : '' },
    el('td', {}, el('input', { type: 'checkbox', class: 'show-line', checked: !row.hidden, title: 'show this line', onchange: () => onToggle(row.key) }),
      el('span', { class: 'swatch', style: `background:${row.color}` })),
    columns.map(([k]) => el('td', {}, k === 'run' ? runLink(row.run) : fmtValue(Number.isFinite(row[k]) || typeof row[k] === 'string' ? row[k] : null)))));
  const download = el('button', { type: 'button', class: 'csv', text: 'Download CSV',
    onclick: () => {
      const link = el('a', { href: URL.createObjectURL(new Blob([csvText(view.rows, columns)], { type: 'text/csv' })), download: 'metrics.csv' });
      document.body.append(link); link.click(); link.remove();
    } });
  return el('div', { class: 'explorer-table' }, download,
    el('table', { class: 'runs lines' }, el('thead', {}, el('tr', {}, el('th', { text: 'show' }), columns.map(([, label]) => el('th', { text: label })))),
      el('tbody', {}, body)));
}

PAGES.metrics = (main) => {
  const latest = latestOnly();
  let state = explorerState(location.search);
  let series = []; let seriesQuery = null; let groups = null; let groupsAsked = ''; let loadedQuery = null;
  const xMetrics = new Map(); // metric name -> its series in every run (an x axis of another metric)
  loadPlotly();
  const input = (id, value, placeholder) => el('input', { type: 'text', id, value, placeholder, spellcheck: false, list: 'explorer-fields', class: 'fields' });
  const controls = {
    color: input('color-by', state.color, 'e.g. run.hash'),
    stroke: input('stroke-by', state.stroke, 'e.g. metric.context.subset'),
    chart: input('chart-by', state.chart, 'e.g. metric.name'),
    agg: select('aggregate', [['', 'none'], ['mean', 'mean'], ['median', 'median'], ['min', 'min'], ['max', 'max']], state.agg),
    band: select('band', Object.entries(BANDS), state.band),
    members: el('input', { type: 'checkbox', id: 'members' }),
    x: select('x-axis', Object.entries(EXPLORER_X), state.x),
    xlog: el('input', { type: 'checkbox', id: 'x-log' }),
    ylog: el('input', { type: 'checkbox', id: 'log-scale' }),
    xrange: el('input', { type: 'text', id: 'x-range', placeholder: 'low,high', class: 'range' }),
    yrange: el('input', { type: 'text', id: 'y-range', placeholder: 'low,high', class: 'range' }),
    outliers: el('input', { type: 'checkbox', id: 'outliers' }),
    sm: select('smoothing-kind', [['ema', 'EMA'], ['cma', 'centred moving average']], state.sm),
    smooth: el('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01 }),
  };
  const fieldsList = el('datalist', { id: 'explorer-fields' });
  const smoothLabel = el('span', { class: 'smoothing-label' });
  const queryInput = el('input', { type: 'text', name: 'q', value: state.q, spellcheck: false,
    placeholder: 'AimQL over metrics, e.g. metric.name == "loss" and run.hparams.lr > 1e-4' });
  const form = el('form', { class: 'query' }, queryInput, el('button', { type: 'submit', text: 'Search' }));
  const error = el('div', { class: 'error query-error' });
  const note = el('div', { class: 'note' });
  const alignNote = el('div', { class: 'note align-note' });
  const key = el('div', { class: 'group-key' });
  const charts = el('div', { class: 'charts' });
  const table = el('div', {});
  main.append(el('h1', { text: 'Metrics' }), form, error, fieldsList,
    el('div', { class: 'controls' }, el('label', {}, 'colour by ', controls.color), el('label', {}, 'stroke by ', controls.stroke),
      el('label', {}, 'chart by ', controls.chart)),
    el('div', { class: 'controls' }, el('label', {}, 'aggregate ', controls.agg), el('label', {}, 'band ', controls.band),
      el('label', {}, controls.members, ' member curves'), el('label', {}, 'x axis ', controls.x), el('label', {}, controls.xlog, ' log x'),
      el('label', {}, controls.ylog, ' log y'), el('label', {}, 'smoothing ', controls.sm, controls.smooth, smoothLabel)),
    el('div', { class: 'controls' }, el('label', {}, 'x range ', controls.xrange), el('label', {}, 'y range ', controls.yrange),
      el('label', {}, controls.outliers, ' ignore outliers')),
    note, alignNote, key, charts, table);

  function showState() {
    queryInput.value = state.q;
    addXOption(state.x);
    for (const name of ['color', 'stroke', 'chart', 'agg', 'band', 'x', 'sm', 'xrange', 'yrange']) controls[name].value = state[name];
    controls.outliers.checked = state.outliers === '1';
    controls.members.checked = state.members === '1';
    controls.xlog.checked = state.xlog === '1';
    controls.ylog.checked = state.ylog === '1';
    controls.smooth.value = Number(state.smooth) || 0;
  }

  function readControls() {
    for (const name of ['color', 'stroke', 'chart']) state[name] = fieldList(controls[name].value).join(',');
    for (const name of ['agg', 'band', 'x', 'sm', 'xrange', 'yrange']) state[name] = controls[name].value.trim();
    state.outliers = controls.outliers.checked ? '1' : '';
    state.members = controls.members.checked ? '1' : '';
    state.xlog = controls.xlog.checked ? '1' : '';
    state.ylog = controls.ylog.checked ? '1' : '';
    state.smooth = Number(controls.smooth.value) ? String(controls.smooth.value) : '';
  }

  function setAddress(push) {
    const url = `${location.pathname}${explorerSearch(state)}`;
    if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
  }

  for (const control of Object.values(controls)) {
    control.addEventListener('change', () => { readControls(); setAddress(false); update(); });
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (queryInput.value === state.q) { update(true); return; }
    state.q = queryInput.value;
    state.hide = '';
    setAddress(true); // a search is a step in the history: Back returns to the one before
    update();
  });
  window.addEventListener('popstate', () => { state = explorerState(location.search); showState(); update(); });
  showState();
  update();

  async function update(force) {
    const current = latest();
    showError(error, null);
    try {
      if (force || loadedQuery !== state.q) { // a new search: what the last one fetched goes
        series = []; seriesQuery = null; groups = null; groupsAsked = ''; xMetrics.clear(); loadedQuery = state.q;
      }
      // an aggregated view without member curves needs only the groups: no curve is sent
      if ((!state.agg || state.members === '1') && seriesQuery !== state.q) {
        note.textContent = 'Loading…';
        const reply = await api('/api/metrics', { q: state.q, max_points: 1000 });
        if (!current()) return;
        series = reply.series; seriesQuery = state.q;
        note.textContent = `${series.length} metric(s)` + (reply.truncated ? ' (the first ones only: narrow the query)' : '');
        addFieldOptions();
      }
      if (state.x.startsWith('metric:') && !xMetrics.has(state.x)) {
        const reply = await api('/api/metrics', { q: `metric.name == ${JSON.stringify(state.x.slice(7))}`, max_points: 1000 });
        if (!current()) return;
        xMetrics.set(state.x, reply.series);
      }
      const asked = state.agg ? JSON.stringify([state.q, groupFields(state), state.agg, state.band]) : '';
      if (asked && asked !== groupsAsked) {
        const reply = await api('/api/metrics/groups', { q: state.q, group_by: groupFields(state).join(','), line: state.agg, band: state.band, max_points: 1000 });
        if (!current()) return;
        groups = reply; groupsAsked = asked;
        const curves = groups.groups.reduce((n, g) => n + g.curves, 0);
        note.textContent = `${groups.groups.length} group(s) of ${curves} metric(s)`;
        addFieldOptions();
      }
      await render(current);
    } catch (err) {
      if (!current()) return;
      note.textContent = '';
      series = []; seriesQuery = null; groups = null; groupsAsked = ''; loadedQuery = null;
      charts.replaceChildren(); key.replaceChildren(); table.replaceChildren(); // old results go
      showError(error, err);
    }
  }

  function addFieldOptions() {
    const fields = new Set(['metric.name', 'metric.context', ...RUN_FIELDS.map((f) => `run.${f}`)]);
    for (const s of series) {
      for (const k of Object.keys(s.context || {})) fields.add(`metric.context.${k}`);
      for (const k of Object.keys(s.run.params)) if (fields.size < 200) fields.add(`run.${k}`);
    }
    for (const run of Object.values(groups ? groups.runs : {})) {
      for (const k of Object.keys(run.params)) if (fields.size < 200) fields.add(`run.${k}`);
    }
    fieldsList.replaceChildren(...[...fields].map((f) => el('option', { value: f })));
    for (const name of new Set(series.map((s) => s.name))) addXOption(`metric:${name}`);
  }

  function addXOption(value) {
    if (value && ![...controls.x.options].some((o) => o.value === value)) {
      controls.x.append(el('option', { value, text: xTitle(value) }));
    }
  }

  async function render(current) {
    const aggregated = state.agg ? groups : null;
    smoothLabel.textContent = smoothingText(state);
    alignNote.textContent = aggregated
      ? `${state.agg} of each group with ${BANDS[state.band]}, computed in the daemon at the steps every curve of the group has (common steps); x axis: step.`
      : '';
    const view = explorerView(series, aggregated, state, xMetrics.get(state.x));
    key.replaceChildren(...groupKey(view).childNodes);
    table.replaceChildren(explorerTable(view, toggle));
    await drawCharts(charts, view.charts, wireChart);
    if (current && !current()) return;
    markRendered('metrics');
    follow();
  }

  // Live: the curves of active runs grow as their points become durable (no query runs again);
  // an aggregated view asks the daemon for its groups again, at most every 2 s.
  const redrawCurves = throttled(() => render(), 500);
  const refetchGroups = throttled(() => { groupsAsked = ''; update(); }, 2000);
  function follow() {
    const runs = state.agg ? Object.values(groups ? groups.runs : {}) : series.map((s) => s.run);
    const active = [...new Set(runs.filter((run) => run.active).map((run) => run.hash))].sort();
    LIVE.follow(active.length ? active : null);
  }
  LIVE.watch(null, (change) => {
    if (!change.series || !change.series.length) return;
    if (series.length && appendPoints(series, change)) redrawCurves();
    if (state.agg) refetchGroups();
  }, null, () => update(true));

  function toggle(rowKey) {
    const hidden = new Set(hiddenKeys(state));
    if (hidden.has(rowKey)) hidden.delete(rowKey); else hidden.add(rowKey);
    state.hide = hidden.size ? JSON.stringify([...hidden]) : '';
    setAddress(false);
    render();
  }

  function wireChart(div) {
    if (div.explorerWired) return;
    div.explorerWired = true;
    div.on('plotly_click', (event) => {
      const point = event.points && event.points[0];
      if (point && point.customdata) location.href = `runs/${encodeURIComponent(point.customdata)}`;
    });
    div.on('plotly_hover', (event) => {
      const point = event.points && event.points[0];
      if (point && point.data.meta !== 'band') Plotly.restyle(div, { 'line.width': (point.data.line.width || 1.5) + 2 }, [point.curveNumber]);
    });
    div.on('plotly_unhover', (event) => {
      const point = event.points && event.points[0];
      if (point && point.data.meta !== 'band') Plotly.restyle(div, { 'line.width': Math.max((point.data.line.width || 3.5) - 2, 1) }, [point.curveNumber]);
    });
  }
};
