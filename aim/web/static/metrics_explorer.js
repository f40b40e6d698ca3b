// Metrics explorer. The address is the view's state: ?q= (a search; Back and Forward walk through
// searches), color= stroke= chart= (comma-separated grouping fields: metric.name, metric.context,
// metric.context.<key>, run.hash|name|experiment|tags, run.<param path>), agg= (line: mean,
// median, min, max; reduced in the daemon), band= (minmax, std, stderr, ci95), members=1, x=
// (step, epoch, time, abstime, or metric:<name>: that metric's value at the same step of the same
// run), xlog=1, ylog=1, xrange= and yrange= ("low,high"), outliers=1 (the y axis leaves out the
// lowest and highest 2 % of values), smooth= with sm= (ema or cma), hide= (a JSON list of
// the hidden lines' keys), cols= (a JSON list of the table's chosen columns), sample= (member
// curves drawn per group at most, a sample beyond), tip= (comma-separated fields each curve's
// tooltip shows, e.g. run.hparams.lr). Everything but the search changes the
// address in place (replaceState).
'use strict';

const EXPLORER_DEFAULTS = { q: '', color: 'run.hash', stroke: '', chart: 'metric.name', agg: '', band: '',
  members: '', tip: '', x: 'step', xlog: '', ylog: '', xrange: '', yrange: '', outliers: '', smooth: '', sm: 'ema', hide: '', cols: '', sample: '' };
const NO_MATCH = 'No metric matches this query: an empty query shows every metric; metric.name, metric.context '
  + 'and run.<param> narrow it (e.g. metric.name == "loss" and run.hparams.lr < 0.01).';
const MEMBER_SAMPLE = 100; // member curves drawn per group (sample= in the address sets another)
const LEGACY_FIELDS = { metric: 'metric.name', context: 'metric.context', 'metric+context': 'metric.name,metric.context',
  run: 'run.hash', none: '' };
const EXPLORER_X = { step: 'step', epoch: 'epoch', time: 'relative time (s)', abstime: 'time' };
const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'];
const RUN_FIELDS = ['hash', 'name', 'experiment', 'tags', 'archived'];
const SVG_NS = 'http://www.w3.org/2000/svg';
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

// A curve's key (hide= names it): run hash, metric name and context.
function curveKey(s) {
  return `${s.run.hash}/${s.name}/${contextText(s.context)}`;
}

function finiteStats(values) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length) return { last: null, min: null, max: null };
  let min = finite[0]; let max = finite[0];
  for (const v of finite) { if (v < min) min = v; if (v > max) max = v; }
  return { last: finite[finite.length - 1], min, max };
}

// A grouping value as one comparable text: a context (the daemon's JSON or the page's) with its
// keys sorted, anything else as JSON; none for a missing value.
function canonical(field, value) {
  if (value === undefined || value === null) return 'none';
  if (field === 'metric.context' && typeof value === 'string') {
    try {
      const parsed = JSON.parse(value);
      return JSON.stringify(Object.keys(parsed).sort().map((k) => [k, parsed[k]]));
    } catch (err) {
      return value;
    }
  }
  return JSON.stringify(value);
}

// Picks at most limit of items, spread evenly over them (a deterministic sample).
function sample(items, limit) {
  if (items.length <= limit) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

// The charts, the key and the table rows of a view: curves (one trace per series) or, with an
// aggregation, a line and band per group (from the daemon) over the member curves if asked (at
// most limit per group: a sample, and view.sampled says of how many). Each group row holds its
// members: its curves when they were fetched, else its runs. Each chart keeps the points it
// shows (chart.lines) for the points' CSV.
function explorerView(series, groups, state, xSeries) {
  const colorFields = fieldList(state.color);
  const strokeFields = fieldList(state.stroke);
  const chartFields = fieldList(state.chart);
  const hidden = new Set(hiddenKeys(state));
  const limit = Math.max(Number(state.sample) || MEMBER_SAMPLE, 1);
  const colourOf = slots(); const dashOf = slots();
  const charts = new Map();
  const colours = new Map(); const strokes = new Map();
  const rows = [];
  const sampled = [];
  const runs = { ...(groups ? groups.runs : {}) };
  for (const s of series) runs[s.run.hash] = s.run;
  const place = (valueOf) => {
    const chart = groupText(chartFields, chartFields.map(valueOf), runs);
    const colour = groupText(colorFields, colorFields.map(valueOf), runs);
    const stroke = groupText(strokeFields, strokeFields.map(valueOf), runs);
    if (!charts.has(chart)) charts.set(chart, { title: chart, traces: [], lines: [], layout: chartLayout(chart, state) });
    const color = PALETTE[colourOf(colour) % PALETTE.length];
    const dash = DASHES[dashOf(stroke) % DASHES.length];
    colours.set(colour, color); strokes.set(stroke, dash);
    return { chart: charts.get(chart), color, dash, colour, stroke };
  };
  const factor = Number(state.smooth) || 0;
  const partner = partnerFinder([...series, ...(xSeries || [])]);
  const curveRow = (s, at) => ({ key: curveKey(s), kind: 'curve', run: s.run, metric: s.name, context: contextText(s.context),
    group: [at.colour, at.stroke].filter((t) => t !== 'all').join(' · '), color: at.color, count: s.count, ...finiteStats(s.values),
    hidden: hidden.has(curveKey(s)) });
  const tipFields = fieldList(state.tip);
  const curveTrace = (s, at) => {
    const x = explorerX(s, state.x, partner); const y = smoothed(s.values, state.sm, factor);
    // the chosen fields' values, as plotly's trace text (shown as it is, never read as a template)
    const tip = tipFields.map((f) => `<br>${plotText(shorten(`${f}=${valueText(fieldValue(s, f))}`, LEGEND_CHARS))}`).join('');
    at.chart.lines.push({ line: `${runLabel(s.run)} · ${s.name} ${contextText(s.context)}`.trim(), run: s.run.hash, x, y });
    at.chart.traces.push({
      type: 'scatter', mode: s.steps.length > 1 ? 'lines' : 'markers', x, y,
      name: plotText(shorten(`${runLabel(s.run)} · ${s.name} ${contextText(s.context)}`, LEGEND_CHARS)),
      customdata: s.steps.map(() => s.run.hash), text: tip,
      opacity: groups ? 0.25 : 1,
      line: { color: at.color, dash: at.dash, width: groups ? 1 : 1.5 },
      hovertemplate: `%{fullData.name}<br>${plotText(shorten([at.colour, at.stroke].filter((t) => t !== 'all').join(' · '), LEGEND_CHARS))}`
        + `<br>${plotText(xTitle(state.x))} %{x}<br>value %{y}%{text}<extra></extra>`,
    });
  };
  if (!groups) {
    for (const s of series) {
      const at = place((f) => fieldValue(s, f));
      const row = curveRow(s, at);
      rows.push(row);
      if (!row.hidden) curveTrace(s, at);
    }
  } else {
    const fields = groupFields(state);
    const byRun = new Map(); // run hash -> its series: a group's members are among its runs' series
    for (const s of series) {
      if (!byRun.has(s.run.hash)) byRun.set(s.run.hash, []);
      byRun.get(s.run.hash).push(s);
    }
    for (const g of groups.groups) {
      const valueOf = (f) => g.values[fields.indexOf(f)];
      const at = place(valueOf);
      const key = groupText(fields, g.values, runs);
      const wanted = fields.map((f, i) => canonical(f, g.values[i]));
      const curves = g.runs.flatMap((hash) => byRun.get(hash) || [])
        .filter((s) => fields.every((f, i) => canonical(f, fieldValue(s, f)) === wanted[i]));
      const members = curves.length ? curves.map((s) => curveRow(s, at))
        : g.runs.map((hash) => ({ key: hash, kind: 'run', run: runs[hash] || { hash, params: {} }, color: at.color }));
      rows.push({ key, kind: 'group', group: key, color: at.color, count: g.curves, runs: g.runs.length, steps: g.common_steps,
        ...finiteStats(g.line), hidden: hidden.has(key), members, groupRuns: g.runs.map((hash) => runs[hash]).filter(Boolean) });
      if (hidden.has(key)) continue;
      const line = smoothed(g.line, state.sm, factor);
      if (g.low && g.high) { // smoothed as its line is, so the band stays around it
        const low = smoothed(g.low, state.sm, factor); const high = smoothed(g.high, state.sm, factor);
        at.chart.traces.push({ type: 'scatter', mode: 'lines', x: g.steps, y: high, line: { width: 0, color: at.color }, hoverinfo: 'skip', showlegend: false, name: 'band high' });
        at.chart.traces.push({ type: 'scatter', mode: 'lines', x: g.steps, y: low, fill: 'tonexty', fillcolor: `${at.color}33`, line: { width: 0, color: at.color }, hoverinfo: 'skip', name: 'band low', meta: 'band' });
        at.chart.lines.push({ line: `${key} (band low)`, run: '', x: g.steps, y: low }, { line: `${key} (band high)`, run: '', x: g.steps, y: high });
      }
      at.chart.lines.push({ line: `${key} (${state.agg})`, run: '', x: g.steps, y: line });
      at.chart.traces.push({
        type: 'scatter', mode: g.steps.length > 1 ? 'lines' : 'markers', x: g.steps, y: line, name: plotText(shorten(key, LEGEND_CHARS)),
        line: { color: at.color, dash: at.dash, width: 2 }, meta: 'line',
        hovertemplate: `%{fullData.name}<br>step %{x}<br>${state.agg} %{y}<br>${g.curves} curves<extra></extra>`,
      });
      if (state.members === '1') {
        const shown = curves.filter((s) => !hidden.has(curveKey(s)));
        const drawn = sample(shown, limit);
        const of = g.curves - (curves.length - shown.length); // the group's curves, fetched or not, less those hidden
        if (drawn.length < of) sampled.push({ group: key, drawn: drawn.length, of });
        for (const s of drawn) curveTrace(s, at);
      }
    }
  }
  if (state.outliers === '1' && !rangeOf(state.yrange)) {
    for (const chart of charts.values()) chart.layout.yaxis.range = withoutOutliers(chart.traces, state.ylog) || undefined;
  }
  return { charts: [...charts.values()], colours, strokes, rows, colorFields, strokeFields, sampled, limit };
}

// The hovered curve of a chart drawn 2 px thicker: highlight(uid) draws the line of the trace of
// that uid (null: none) again, thicker, over the plot area in plotly's hover layer, once per
// animation frame. That layer is composited on its own (app.css), so hovering repaints neither
// the chart's other curves nor their layer: a restyle (of every trace, by plotly) and a repaint
// of 200 curves of 1,000 points cost hundreds of ms per mouse move.
function hoverHighlight(div) {
  let wanted = null;
  let pending = false;
  const apply = () => {
    pending = false;
    const layer = div.querySelector('.svg-container > svg.main-svg:last-of-type'); // plotly's hover layer
    const area = div.querySelector('.nsewdrag'); // the plot area
    if (!layer || !area) return;
    let box = layer.querySelector(':scope > svg.hover-highlight');
    const path = wanted === null ? null : div.querySelector(`.scatterlayer .trace${CSS.escape(wanted)} .js-line`);
    if (!path || !path.getAttribute('d')) { if (box) box.replaceChildren(); return; }
    if (!box) { box = document.createElementNS(SVG_NS, 'svg'); box.classList.add('hover-highlight'); layer.prepend(box); }
    const [x, y] = ['x', 'y'].map((a) => Number(area.getAttribute(a)) || 0);
    for (const a of ['x', 'y', 'width', 'height']) box.setAttribute(a, area.getAttribute(a) || 0);
    const m = path.getCTM();
    const line = document.createElementNS(SVG_NS, 'path');
    line.setAttribute('d', path.getAttribute('d'));
    line.setAttribute('transform', `translate(${-x} ${-y}) matrix(${m.a} ${m.b} ${m.c} ${m.d} ${m.e} ${m.f})`);
    Object.assign(line.style, { fill: 'none', stroke: path.style.stroke, strokeDasharray: path.style.strokeDasharray,
      strokeWidth: `${(parseFloat(path.style.strokeWidth) || 1.5) + 2}px` });
    box.replaceChildren(line);
  };
  return (uid) => {
    wanted = uid;
    if (!pending) { pending = true; requestAnimationFrame(apply); }
  };
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

// The table's columns a user may choose (cols= holds the chosen ones' ids, a JSON list): the
// rows' counts, the last/min/max of their line, and params ("p:<path>").
const TABLE_STATS = { count: 'curves (points of a curve)', runs: 'runs', steps: 'common steps', last: 'last', min: 'min', max: 'max' };
const DEFAULT_COLUMNS = Object.keys(TABLE_STATS);
const MEMBER_ROWS = 500; // an expanded group lists at most this many members

function chosenColumns(state) {
  if (!state.cols) return DEFAULT_COLUMNS;
  try {
    const cols = JSON.parse(state.cols);
    return Array.isArray(cols) ? cols.map(String) : DEFAULT_COLUMNS;
  } catch (err) {
    return DEFAULT_COLUMNS;
  }
}

// A column's title; the count column counts a group's curves, or a curve's points.
function columnTitle(id, grouped) {
  if (id === 'count') return grouped ? 'curves' : 'points';
  return id.startsWith('p:') ? id.slice(2) : (TABLE_STATS[id] || id);
}

// The params a table may show as columns: those of the view's runs with a plain value.
function paramColumns(view) {
  const names = new Set();
  const add = (run) => {
    for (const [k, v] of Object.entries((run && run.params) || {})) if (names.size < 200 && (v === null || typeof v !== 'object')) names.add(k);
  };
  for (const row of view.rows) {
    if (row.kind === 'group') row.groupRuns.forEach(add); else add(row.run);
  }
  return [...names].sort().map((n) => `p:${n}`);
}

// A row's value in a column: a group's param is its runs' common value ("mixed" when they differ).
function cellValue(row, id) {
  if (!id.startsWith('p:')) return row[id];
  const path = id.slice(2);
  if (row.kind !== 'group') return row.run && row.run.params ? row.run.params[path] : undefined;
  const values = new Set(row.groupRuns.map((run) => JSON.stringify(run.params[path] ?? null)));
  if (values.size !== 1) return values.size ? 'mixed' : undefined;
  return JSON.parse([...values][0]) ?? undefined;
}

function cellText(value) {
  return value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value)) ? '' : fmtValue(value);
}

// A value in a CSV: numbers in full, anything else as the table shows it.
function csvValue(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : cellText(value);
}

function csvText(header, lines) {
  const cell = (v) => { const t = v === undefined || v === null ? '' : String(v); return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t; };
  return [header, ...lines].map((line) => line.map(cell).join(',')).join('\n');
}

function download(name, text) {
  const link = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: name });
  document.body.append(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

// The points the charts show (after smoothing), one line per point: chart, line, run, x, y.
function pointsCsv(view) {
  const lines = [];
  for (const chart of view.charts) {
    for (const line of chart.lines) {
      line.x.forEach((x, i) => {
        if (line.y[i] === null || line.y[i] === undefined) return;
        lines.push([chart.title, line.line, line.run, x instanceof Date ? x.toISOString() : x, line.y[i]]);
      });
    }
  }
  return csvText(['chart', 'line', 'run', 'x', 'y'], lines);
}

// The table under the charts: a row per curve, or per group with a toggle that lists the
// group's members under it (its curves, or its runs when no curve was fetched); a checkbox per
// row hides or shows its line; the chosen columns; the table and the points shown as CSV.
// ui: { expanded: Set of group keys, onToggle(key), onExpand(key), onColumns(ids) }.
function explorerTable(view, state, ui) {
  const grouped = view.rows.length > 0 && view.rows[0].kind === 'group';
  const fits = (id) => grouped || (id !== 'runs' && id !== 'steps'); // a curve has no runs or common steps
  const chosen = chosenColumns(state).filter(fits);
  const fixed = grouped ? [['name', 'group']] : [['run', 'run'], ['metric', 'metric'], ['context', 'context'], ['group', 'group']];
  const rowName = (row) => {
    if (row.kind === 'group') return row.group;
    if (row.kind === 'run') return runLabel(row.run);
    return `${runLabel(row.run)} · ${row.metric} ${row.context}`.trim();
  };
  const fixedCell = (row, k) => {
    if (k === 'run') return runLink(row.run);
    if (k !== 'name') return row[k];
    if (row.kind === 'group') return row.group;
    return el('span', {}, runLink(row.run), row.kind === 'curve' ? ` · ${row.metric} ${row.context}` : '');
  };
  const showBox = (row) => (row.kind === 'run' ? null : el('input', { type: 'checkbox', class: 'show-line', checked: !row.hidden,
    title: row.kind === 'group' ? 'show this group' : 'show this curve', onchange: () => ui.onToggle(row.key) }));
  const line = (row, member) => el('tr', { 'data-key': row.key, class: [member ? 'member-row' : '', row.hidden ? 'hidden-line' : ''].join(' ').trim() },
    el('td', { class: 'row-tools' },
      row.kind === 'group' ? el('button', { type: 'button', class: 'expand', 'aria-expanded': String(ui.expanded.has(row.key)),
        title: `${ui.expanded.has(row.key) ? 'hide' : 'list'} this group's ${row.members[0] && row.members[0].kind === 'run' ? 'runs' : 'curves'}`,
        text: ui.expanded.has(row.key) ? '▾' : '▸', onclick: () => ui.onExpand(row.key) }) : null,
      showBox(row), el('span', { class: 'swatch', style: `background:${row.color}` })),
    fixed.map(([k]) => el('td', {}, fixedCell(row, k))),
    chosen.map((id) => el('td', { text: cellText(cellValue(row, id)) })));
  const shown = []; // [row, member] in the table's order, for the CSV
  const body = [];
  for (const row of view.rows) {
    shown.push([row, false]); body.push(line(row, false));
    if (row.kind !== 'group' || !ui.expanded.has(row.key)) continue;
    for (const member of row.members.slice(0, MEMBER_ROWS)) { shown.push([member, true]); body.push(line(member, true)); }
    if (row.members.length > MEMBER_ROWS) {
      body.push(el('tr', { class: 'member-row more' }, el('td', {}), el('td', { colspan: fixed.length + chosen.length,
        text: `… and ${row.members.length - MEMBER_ROWS} more (narrow the query to list them)` })));
    }
  }
  const offered = [...DEFAULT_COLUMNS.filter(fits), ...paramColumns(view)];
  for (const id of chosen) if (!offered.includes(id)) offered.push(id);
  const picker = el('details', { class: 'table-columns', id: 'table-columns' }, el('summary', { text: 'columns' }),
    offered.map((id) => el('label', {}, el('input', { type: 'checkbox', value: id, checked: chosenColumns(state).includes(id),
      onchange: (event) => {
        const now = chosenColumns(state).filter((c) => c !== id);
        ui.onColumns(event.target.checked ? [...now, id] : now);
      } }), ` ${columnTitle(id, grouped)}`)));
  picker.open = ui.columnsOpen();
  picker.addEventListener('toggle', () => ui.columnsOpen(picker.open));
  const tableCsv = () => csvText(['kind', ...fixed.map(([, label]) => label), 'run hash', ...chosen.map((id) => columnTitle(id, grouped))],
    shown.map(([row, member]) => [member ? `${row.kind} (member)` : row.kind,
      ...fixed.map(([k]) => (k === 'run' ? runLabel(row.run) : (k === 'name' ? rowName(row) : row[k]))),
      row.run ? row.run.hash : '', ...chosen.map((id) => csvValue(cellValue(row, id)))]));
  return el('div', { class: 'explorer-table' },
    el('div', { class: 'table-tools' }, picker,
      el('button', { type: 'button', class: 'csv', id: 'table-csv', text: 'Table as CSV', onclick: () => download('metrics-table.csv', tableCsv()) }),
      el('button', { type: 'button', class: 'csv', id: 'points-csv', text: 'Points shown as CSV', onclick: () => download('metrics-points.csv', pointsCsv(view)) })),
    el('table', { class: 'runs lines' }, el('thead', {}, el('tr', {}, el('th', { text: 'show' }),
      fixed.map(([, label]) => el('th', { text: label })), chosen.map((id) => el('th', { text: columnTitle(id, grouped) })))),
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
    tip: input('tooltip-fields', state.tip, 'e.g. run.hparams.lr'),
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
  const sampleNote = el('div', { class: 'note sample-note' });
  const expanded = new Set(); // the table's expanded groups (not in the address)
  let columnsOpen = false;
  main.append(el('h1', { text: 'Metrics' }), form, error, fieldsList,
    el('div', { class: 'controls' }, el('label', {}, 'colour by ', controls.color), el('label', {}, 'stroke by ', controls.stroke),
      el('label', {}, 'chart by ', controls.chart)),
    el('div', { class: 'controls' }, el('label', {}, 'aggregate ', controls.agg), el('label', {}, 'band ', controls.band),
      el('label', {}, controls.members, ' member curves'), el('label', {}, 'x axis ', controls.x), el('label', {}, controls.xlog, ' log x'),
      el('label', {}, controls.ylog, ' log y'), el('label', {}, 'smoothing ', controls.sm, controls.smooth, smoothLabel)),
    el('div', { class: 'controls' }, el('label', {}, 'x range ', controls.xrange), el('label', {}, 'y range ', controls.yrange),
      el('label', {}, controls.outliers, ' ignore outliers'), el('label', {}, 'tooltip shows ', controls.tip)),
    note, alignNote, sampleNote, key, charts, table);

  function showState() {
    queryInput.value = state.q;
    addXOption(state.x);
    for (const name of ['color', 'stroke', 'chart', 'tip', 'agg', 'band', 'x', 'sm', 'xrange', 'yrange']) controls[name].value = state[name];
    controls.outliers.checked = state.outliers === '1';
    controls.members.checked = state.members === '1';
    controls.xlog.checked = state.xlog === '1';
    controls.ylog.checked = state.ylog === '1';
    controls.smooth.value = Number(state.smooth) || 0;
  }

  function readControls() {
    for (const name of ['color', 'stroke', 'chart', 'tip']) state[name] = fieldList(controls[name].value).join(',');
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
        note.textContent = series.length ? `${series.length} metric(s)` + (reply.truncated ? ' (the first ones only: narrow the query)' : '')
          : NO_MATCH;
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
        note.textContent = curves ? `${groups.groups.length} group(s) of ${curves} metric(s)` : NO_MATCH;
        addFieldOptions();
      }
      await render(current);
    } catch (err) {
      if (!current()) return;
      note.textContent = '';
      series = []; seriesQuery = null; groups = null; groupsAsked = ''; loadedQuery = null;
      charts.replaceChildren(); key.replaceChildren(); table.replaceChildren(); // old results go
      alignNote.textContent = ''; sampleNote.textContent = '';
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
    sampleNote.textContent = view.sampled.length
      ? `Member curves: a sample of ${view.limit} per group is drawn (${view.sampled.map((g) => `${g.group}: ${g.drawn} of ${g.of}`).join('; ')}); `
        + 'the band and line stand for every curve.'
      : '';
    table.replaceChildren(explorerTable(view, state, {
      expanded,
      onToggle: toggle,
      onExpand: (groupKey) => { if (expanded.has(groupKey)) expanded.delete(groupKey); else expanded.add(groupKey); render(); },
      onColumns: (ids) => {
        const same = ids.length === DEFAULT_COLUMNS.length && ids.every((id, i) => id === DEFAULT_COLUMNS[i]);
        state.cols = same ? '' : JSON.stringify(ids);
        setAddress(false);
        render();
      },
      columnsOpen: (open) => { if (open !== undefined) columnsOpen = open; return columnsOpen; },
    }));
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
    const highlight = hoverHighlight(div);
    div.on('plotly_hover', (event) => {
      const point = event.points && event.points[0];
      highlight(point && point.data.meta !== 'band' ? point.fullData.uid : null);
    });
    div.on('plotly_unhover', () => highlight(null));
    div.on('plotly_afterplot', () => highlight(null)); // redrawn (zoomed, new points): the curve moved
  }
};
