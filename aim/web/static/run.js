// Run page: props, the whole params tree, every metric, system metrics, terminal logs and log records.
'use strict';

const SYSTEM_PREFIX = '__system__';
const TERMINAL_LOGS = 'logs';
const LOG_RECORDS = '__log_records';

function paramsTree(value) {
  if (value === null || typeof value !== 'object') return el('span', { class: 'value', text: fmtValue(value) });
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  return el('ul', { class: 'tree' }, entries.map(([key, child]) => {
    const branch = child !== null && typeof child === 'object';
    return el('li', {}, branch
      ? el('details', { open: true }, el('summary', {}, el('span', { class: 'key', text: key })), paramsTree(child))
      : [el('span', { class: 'key', text: `${key}: ` }), paramsTree(child)]);
  }));
}

function textsQuery(hash, name) {
  return `run.hash == ${JSON.stringify(hash)} and texts.name == ${JSON.stringify(name)}`;
}

PAGES.run = async (main) => {
  const hash = decodeURIComponent(location.pathname.split('/').pop());
  const error = el('div', { class: 'error' });
  main.append(error);
  let run;
  try {
    run = await api(`/api/runs/${encodeURIComponent(hash)}`);
  } catch (err) {
    showError(error, err);
    return;
  }
  const p = run.props;
  const props = [['hash', p.hash], ['name', p.name], ['experiment', p.experiment], ['description', p.description],
    ['tags', p.tags.join(', ')], ['status', p.archived ? 'archived' : p.active ? 'active' : 'finished'],
    ['created', fmtTime(p.created)], ['ended', fmtTime(p.ended)], ['duration', fmtDuration(p.duration)]];
  const metricsBox = el('div', { class: 'charts', id: 'run-metrics' });
  const systemBox = el('div', { class: 'charts', id: 'run-system' });
  main.append(
    el('h1', { class: 'run-name', text: p.name || p.hash }),
    el('table', { class: 'props' }, props.map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td', { text: v })))),
    el('h2', { text: 'Params' }), el('div', { class: 'params' }, paramsTree(run.params)),
    el('h2', { text: 'Metrics' }), metricsBox);
  const seqs = run.sequences;
  const hasSystem = (seqs.metric || []).some((s) => s.name.startsWith(SYSTEM_PREFIX));
  if (hasSystem) main.append(el('h2', { text: 'System metrics' }), systemBox);
  const objects = ['images', 'distributions', 'texts', 'audios'].filter((kind) => (seqs[kind] || []).length);
  if (objects.length) {
    const query = `run.hash == ${JSON.stringify(p.hash)}`;
    main.append(el('h2', { text: 'Objects' }), el('ul', {}, objects.map((kind) => el('li', {},
      kind === 'audios' ? `${seqs[kind].length} audio sequence(s)`
        : el('a', { href: `/${kind}?q=${encodeURIComponent(query)}`, text: `${seqs[kind].length} ${kind} sequence(s)` })))));
  }
  const texts = (seqs.texts || []).map((s) => s.name);
  for (const [name, title] of [[TERMINAL_LOGS, 'Terminal logs'], [LOG_RECORDS, 'Log records']]) {
    if (!texts.includes(name)) continue;
    const pre = el('pre', { class: 'logs' });
    main.append(el('h2', { text: title }), pre);
    api('/api/texts', { q: textsQuery(p.hash, name) }).then((reply) => {
      pre.textContent = reply.sequences.flatMap((s) => s.texts.map((t) => t.join('\n'))).join('\n');
    }).catch((err) => { pre.textContent = errorText(err); });
  }
  try {
    const reply = await api(`/api/runs/${encodeURIComponent(hash)}/metrics`, { max_points: 1000 });
    const series = reply.series.map((s) => ({ ...s, run: { hash: p.hash, name: p.name, params: {} } }));
    const options = { groupBy: 'metric+context', colourBy: 'metric', xAxis: 'step', logScale: false, smoothing: 0 };
    await drawCharts(metricsBox, buildCharts(series.filter((s) => !s.name.startsWith(SYSTEM_PREFIX)), options));
    if (hasSystem) {
      const system = series.filter((s) => s.name.startsWith(SYSTEM_PREFIX));
      await drawCharts(systemBox, buildCharts(system, { ...options, xAxis: 'time' }));
    }
    markRendered('run');
  } catch (err) {
    showError(error, err);
  }
};
