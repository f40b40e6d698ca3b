// Run page: props, the whole params tree, every metric, system metrics, its objects (audio played
// in place), log records and terminal logs.
'use strict';

const SYSTEM_PREFIX = '__system__';
const TERMINAL_LOGS = 'logs';

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

// A section of the run page filled when its reply comes: render(reply) gives its nodes.
function section(main, title, id, reply, render) {
  const box = el('div', { id, class: 'loading' });
  main.append(el('h2', { text: title }), box);
  reply.then((body) => box.replaceChildren(...render(body).filter(Boolean)))
    .catch((err) => box.replaceChildren(el('div', { class: 'error', text: errorText(err) })))
    .finally(() => box.classList.remove('loading'));
}

function recordsTable(reply) {
  const note = reply.count > reply.records.length ? `the newest ${reply.records.length} of ${reply.count} records` : '';
  return [note ? el('div', { class: 'note', text: note }) : null,
    el('table', { class: 'runs log-records' },
      el('thead', {}, el('tr', {}, ['time', 'level', 'message', 'arguments'].map((h) => el('th', { text: h })))),
      el('tbody', {}, reply.records.map((r) => el('tr', { class: `level-${String(r.level_name).toLowerCase()}` },
        el('td', { text: fmtTime(r.time) }), el('td', { class: 'level', text: r.level_name }),
        el('td', { class: 'text' }, el('pre', { text: r.message })),
        el('td', { class: 'text', text: r.args ? JSON.stringify(r.args) : '' })))))];
}

function audioList(reply) {
  return reply.sequences.map((seq) => el('div', { class: 'sequence' },
    el('h3', { text: `${seq.name} ${contextText(seq.context)}` }),
    seq.count > seq.steps.length ? el('div', { class: 'note', text: `the newest ${seq.steps.length} of ${seq.count} steps` }) : null,
    el('div', { class: 'grid' }, seq.steps.flatMap((step, i) => seq.audios[i].map((clip) => el('figure', {},
      el('audio', { controls: true, preload: 'none', src: clip.src }),
      el('figcaption', { text: `step ${step}${clip.caption ? ` · ${clip.caption}` : ''}` })))))));
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
  const objects = ['images', 'distributions', 'texts', 'figures'].filter((kind) => (seqs[kind] || []).length);
  const runQuery = `run.hash == ${JSON.stringify(p.hash)}`;
  if (objects.length) {
    const link = (kind, q, text) => el('a', { href: `/${kind}?q=${encodeURIComponent(q)}`, text });
    main.append(el('h2', { text: 'Objects' }), el('ul', { class: 'objects' }, objects.map((kind) => el('li', { 'data-kind': kind },
      link(kind, runQuery, `${kind} (${seqs[kind].length} sequence(s))`),
      el('ul', {}, seqs[kind].map((s) => el('li', {},
        link(kind, `${runQuery} and ${kind}.name == ${JSON.stringify(s.name)}`, `${s.name} ${contextText(s.context)}`),
        ` · ${s.count} step(s)`)))))));
  }
  const base = `/api/runs/${encodeURIComponent(hash)}`;
  if ((seqs.audios || []).length) section(main, 'Audio', 'audios', api('/api/audios', { q: runQuery }), audioList);
  if ((seqs.log_records || []).length) section(main, 'Log records', 'log-records', api(`${base}/log_records`), recordsTable);
  if ((seqs.texts || []).some((s) => s.name === TERMINAL_LOGS && !contextText(s.context))) {
    section(main, 'Terminal logs', 'terminal-logs', api(`${base}/logs`), (reply) => [
      reply.count > reply.lines.length ? el('div', { class: 'note', text: `the last ${reply.lines.length} of ${reply.count} lines` }) : null,
      el('pre', { class: 'logs', text: reply.lines.join('\n') })]);
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
