// Metrics explorer: the metrics a query selects, grouped into charts and coloured by metric,
// context, run or a param; x axis step, epoch or relative time; log scale; EMA smoothing.
'use strict';

const PALETTE = AIM_PALETTE; // common.js: no colour repeats within 24 runs
const LEGEND_CHARS = 80; // a longer legend entry is cut (hover shows the same)
const X_AXES = { step: 'step', epoch: 'epoch', time: 'relative time (s)' };

function seriesKey(series, by) {
  if (by === 'metric') return series.name;
  if (by === 'context') return contextText(series.context) || '(no context)';
  if (by === 'run') return runLabel(series.run);
  if (by === 'none') return 'all';
  if (by.startsWith('param:')) return `${by.slice(6)} = ${fmtValue(series.run.params[by.slice(6)])}`;
  return `${series.name} ${contextText(series.context)}`.trim(); // metric and context
}

function ema(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last = null;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) { out[i] = null; continue; }
    last = last === null ? (1 - weight) * v : weight * last + (1 - weight) * v;
    debias = weight * debias + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

function xValues(series, axis) {
  if (axis === 'epoch') return series.epochs;
  if (axis === 'time') {
    const start = series.times.length ? series.times[0] : 0;
    return series.times.map((t) => (t === null ? null : t - start));
  }
  return series.steps;
}

// Plotly figures for series: one per group, traces coloured by colourBy.
function buildCharts(series, options) {
  const groups = new Map();
  const colours = new Map();
  for (const s of series) {
    const group = seriesKey(s, options.groupBy);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(s);
    const colour = seriesKey(s, options.colourBy);
    if (!colours.has(colour)) colours.set(colour, PALETTE[colours.size % PALETTE.length]);
  }
  return [...groups.entries()].map(([title, members]) => ({
    title,
    traces: members.map((s) => ({
      type: 'scatter',
      mode: s.steps.length > 1 ? 'lines' : 'markers',
      x: xValues(s, options.xAxis),
      y: ema(s.values, options.smoothing),
      name: plotText(shorten(`${runLabel(s.run)} · ${s.name} ${contextText(s.context)}`, LEGEND_CHARS)),
      line: { color: colours.get(seriesKey(s, options.colourBy)), width: 1.5 },
      hovertemplate: `%{fullData.name}<br>${X_AXES[options.xAxis]} %{x}<br>value %{y}<extra></extra>`,
    })),
    layout: {
      title: { text: plotText(title), font: { size: 14 } },
      margin: { l: 50, r: 10, t: 40, b: 40 },
      xaxis: { title: { text: X_AXES[options.xAxis] } },
      yaxis: { type: options.logScale ? 'log' : 'linear' },
      hovermode: 'closest',
      showlegend: true,
      legend: { orientation: 'h', y: -0.2 },
      height: 360,
    },
  }));
}

// Draws charts into container's chart divs, reusing those already there: Plotly.react updates a
// drawn chart in place (a changed control redraws only what changed). The charts on screen are
// drawn first and the promise resolves with them; the others follow one per task, so that the
// page answers meanwhile (a newer draw into the same container stops them). When every chart is
// drawn, the container says so: data-drawn="all".
async function drawCharts(container, charts) {
  const Plotly = await loadPlotly();
  const generation = (container.drawGeneration || 0) + 1;
  container.drawGeneration = generation;
  delete container.dataset.drawn;
  const divs = [...container.children];
  for (const div of divs.slice(charts.length)) { Plotly.purge(div); div.remove(); }
  for (let i = divs.length; i < charts.length; i++) container.append(divs[i] = el('div', { class: 'chart' }));
  const draw = (i) => Plotly.react(divs[i], charts[i].traces, charts[i].layout, { responsive: true, displaylogo: false });
  const onScreen = (i) => { const box = divs[i].getBoundingClientRect(); return box.bottom > 0 && box.top < window.innerHeight; };
  const first = charts.map((_, i) => i).filter(onScreen);
  const later = charts.map((_, i) => i).filter((i) => !onScreen(i));
  for (const i of first) await draw(i);
  (async () => {
    for (const i of later) {
      await new Promise((resolve) => setTimeout(resolve)); // a task of its own: input goes first
      if (container.drawGeneration !== generation) return;
      await draw(i);
    }
    if (container.drawGeneration === generation) container.dataset.drawn = 'all';
  })();
}

function select(id, options, value) {
  return el('select', { id }, options.map(([v, label]) => el('option', { value: v, text: label, selected: v === value })));
}

PAGES.metrics = (main) => {
  const latest = latestOnly(); // replies to older searches are dropped
  let series = [];
  loadPlotly(); // while the data is queried
  const initial = new URLSearchParams(location.search); // ?group=&colour=&x=&log=1&smooth=: a link keeps the view
  const groupBy = select('group-by', [['metric', 'metric'], ['context', 'context'], ['metric+context', 'metric and context'],
    ['run', 'run'], ['none', 'one chart']], initial.get('group') || 'metric');
  const colourBy = select('colour-by', [['run', 'run'], ['metric', 'metric'], ['context', 'context']], initial.get('colour') || 'run');
  const xAxis = select('x-axis', Object.entries(X_AXES), initial.get('x') || 'step');
  const logScale = el('input', { type: 'checkbox', id: 'log-scale', checked: initial.get('log') === '1' });
  const smoothing = el('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01, value: Number(initial.get('smooth')) || 0 });
  const note = el('div', { class: 'note' });
  const charts = el('div', { class: 'charts' });
  const box = queryBox('AimQL over metrics, e.g. metric.name == "loss" and run.hparams.lr > 1e-4', search);
  const controls = el('div', { class: 'controls' },
    el('label', {}, 'group by ', groupBy), el('label', {}, 'colour by ', colourBy), el('label', {}, 'x axis ', xAxis),
    el('label', {}, logScale, ' log scale'), el('label', {}, 'smoothing ', smoothing));
  main.append(el('h1', { text: 'Metrics' }), box.form, box.error, controls, note, charts);
  for (const input of [groupBy, colourBy, xAxis, logScale, smoothing]) input.addEventListener('change', render);
  box.start();

  async function search(query) {
    const current = latest();
    showError(box.error, null);
    note.textContent = 'Loading…';
    try {
      const reply = await api('/api/metrics', { q: query, max_points: 1000 });
      if (!current()) return;
      series = reply.series;
      note.textContent = `${series.length} metric(s)` + (reply.truncated ? ' (the first ones only: narrow the query)' : '');
      addParamOptions();
      await render();
    } catch (err) {
      if (!current()) return;
      note.textContent = '';
      showError(box.error, err);
    }
  }

  function addParamOptions() {
    const keys = new Set();
    for (const s of series) for (const key of Object.keys(s.run.params)) if (keys.size < 100) keys.add(key);
    for (const target of [groupBy, colourBy]) {
      for (const option of [...target.options]) if (option.value.startsWith('param:')) option.remove();
      for (const key of [...keys].sort()) target.append(el('option', { value: `param:${key}`, text: `param ${key}` }));
    }
  }

  async function render() {
    const options = { groupBy: groupBy.value, colourBy: colourBy.value, xAxis: xAxis.value,
      logScale: logScale.checked, smoothing: Number(smoothing.value) };
    await drawCharts(charts, buildCharts(series, options));
    markRendered('metrics');
  }
};
