// Images (a grid per step, with a step slider), Distributions (a histogram over steps), Texts and
// Figures (plotly figures drawn as themselves, one step at a time).
'use strict';

function sequenceHeader(seq) {
  return el('h2', {}, runLink(seq.run), ` · ${seq.name} ${contextText(seq.context)}`);
}

function objectsPage(kind, title, placeholder, renderSequence) {
  return (main) => {
    const list = el('div', { class: 'sequences' });
    const note = el('div', { class: 'note' });
    const latest = latestOnly();
    const box = queryBox(placeholder, async (query) => {
      const current = latest();
      showError(box.error, null);
      try {
        const reply = await api(`/api/${kind}`, { q: query });
        if (!current()) return;
        list.replaceChildren();
        note.textContent = `${reply.sequences.length} sequence(s)`;
        for (const seq of reply.sequences) {
          const div = el('div', { class: 'sequence' }, sequenceHeader(seq));
          list.append(div);
          await renderSequence(div, seq);
        }
        markRendered(kind);
      } catch (err) {
        if (current()) showError(box.error, err);
      }
    });
    main.append(el('h1', { text: title }), box.form, box.error, note, list);
    box.start();
  };
}

function stepSlider(steps, onStep) {
  const label = el('span', { class: 'step-label' });
  const slider = el('input', { type: 'range', class: 'step-slider', min: 0, max: Math.max(steps.length - 1, 0), value: Math.max(steps.length - 1, 0) });
  const show = () => { label.textContent = `step ${steps[slider.value]}`; return onStep(Number(slider.value)); };
  slider.addEventListener('input', show);
  return { node: el('div', { class: 'controls' }, slider, label), show };
}

// One image sequence as the run page shows it: a step slider over a grid.
OBJECT_VIEWS.images = (div, seq) => {
  const grid = el('div', { class: 'grid' });
  const slider = stepSlider(seq.steps, (i) => {
    grid.replaceChildren(...seq.images[i].map((image) => el('figure', {},
      el('img', { src: image.src, alt: image.caption, width: Math.min(image.width || 220, 220), loading: 'lazy' }),
      el('figcaption', { text: image.caption }))));
  });
  div.append(slider.node, grid);
  slider.show();
};

// Images: sequences grouped by run, name or context; each shows a range of steps (the newest by
// default, a slider moves it), at a chosen size; a click enlarges an image with its caption and
// step. The address holds the view: ?q=, group=, steps= (how many at once), size= (pixels).
function imageView() {
  const params = new URLSearchParams(location.search);
  return { group: params.get('group') || 'run', steps: Math.min(Math.max(Number(params.get('steps')) || 1, 1), 50),
    size: Math.min(Math.max(Number(params.get('size')) || 160, 16), 1024) };
}

function imageGroup(seq, by) {
  if (by === 'name') return `name: ${seq.name}`;
  if (by === 'context') return `context: ${contextText(seq.context) || 'none'}`;
  return `run: ${runLabel(seq.run)}`;
}

PAGES.images = (main) => {
  const view = imageView();
  const latest = latestOnly();
  let sequences = [];
  const group = select('image-group', [['run', 'run'], ['name', 'name'], ['context', 'context']], view.group);
  const steps = el('input', { type: 'number', id: 'image-steps', min: 1, max: 50, value: view.steps });
  const size = el('input', { type: 'range', id: 'image-size', min: 16, max: 512, step: 8, value: view.size });
  const big = el('img', { class: 'enlarged-image' });
  const bigCaption = el('div', { class: 'enlarged-caption' });
  const dialog = el('dialog', { class: 'enlarged' }, big, bigCaption,
    el('button', { type: 'button', text: 'Close', onclick: () => dialog.close() }));
  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  const list = el('div', { class: 'sequences' });
  const note = el('div', { class: 'note' });
  const box = queryBox('AimQL over images, e.g. images.name == "samples"', async (query) => {
    const current = latest();
    showError(box.error, null);
    try {
      const reply = await api('/api/images', { q: query });
      if (!current()) return;
      sequences = reply.sequences;
      render();
    } catch (err) {
      if (current()) { list.replaceChildren(); note.textContent = ''; showError(box.error, err); }
    }
  });
  main.append(el('h1', { text: 'Images' }), box.form, box.error,
    el('div', { class: 'controls' }, el('label', {}, 'group by ', group), el('label', {}, 'steps at once ', steps),
      el('label', {}, 'size ', size)), note, list, dialog);
  for (const [control, name] of [[group, 'group'], [steps, 'steps'], [size, 'size']]) {
    control.addEventListener('change', () => {
      const url = new URL(location.href);
      url.searchParams.set(name, control.value);
      history.replaceState(null, '', url);
      render();
    });
  }
  box.start();

  function enlarge(image, step) {
    big.src = image.src;
    big.alt = image.caption;
    bigCaption.textContent = `step ${step}${image.caption ? ` · ${image.caption}` : ''}`;
    dialog.showModal();
  }

  function render() {
    const { group: by, steps: count, size: px } = imageView();
    const sections = new Map();
    for (const seq of sequences) {
      const key = imageGroup(seq, by);
      if (!sections.has(key)) sections.set(key, el('section', { class: 'image-group' }, el('h2', { text: key })));
      const div = el('div', { class: 'sequence' }, sequenceHeader(seq));
      const grid = el('div', { class: 'grid' });
      const slider = stepSlider(seq.steps, (last) => {
        const first = Math.max(last - count + 1, 0);
        grid.replaceChildren(...seq.images.slice(first, last + 1).flatMap((images, i) => images.map((image) => el('figure', { style: `max-width:${px}px` },
          el('img', { src: image.src, alt: image.caption, width: px, loading: 'lazy', style: `max-width:${px}px`, title: 'click to enlarge',
            onclick: () => enlarge(image, seq.steps[first + i]) }),
          el('figcaption', { text: image.caption }), el('div', { class: 'image-step', text: `step ${seq.steps[first + i]}` })))));
      });
      div.append(slider.node, grid);
      slider.show();
      sections.get(key).append(div);
    }
    note.textContent = `${sequences.length} sequence(s) in ${sections.size} group(s)`;
    list.replaceChildren(...sections.values());
    markRendered('images');
  }
};

PAGES.distributions = objectsPage('distributions', 'Distributions', 'AimQL over distributions, e.g. distributions.name == "weights"', OBJECT_VIEWS.distributions = async (div, seq) => {
  const Plotly = await loadPlotly();
  const centers = seq.edges.slice(0, -1).map((e, i) => (e + seq.edges[i + 1]) / 2);
  const chart = el('div', { class: 'chart' });
  div.append(chart);
  await Plotly.newPlot(chart, [{ type: 'heatmap', x: centers, y: seq.steps, z: seq.weights, colorscale: 'Viridis',
    hovertemplate: 'value %{x}<br>step %{y}<br>weight %{z}<extra></extra>' }],
  { margin: { l: 50, r: 10, t: 20, b: 40 }, xaxis: { title: { text: 'value' } }, yaxis: { title: { text: 'step' } }, height: 320 },
  PLOT_CONFIG);
});

// Texts: a find box (?find=, in the address) keeps the steps whose text holds it, ignoring case.
const textsPage = objectsPage('texts', 'Texts', 'AimQL over texts, e.g. texts.name == "outputs"', OBJECT_VIEWS.texts = (div, seq) => {
  if (seq.count > seq.steps.length) div.append(el('div', { class: 'note', text: `the newest ${seq.steps.length} of ${seq.count} steps` }));
  div.append(el('table', { class: 'runs texts' }, seq.steps.map((step, i) => el('tr', { 'data-text': seq.texts[i].join('\n').toLowerCase() },
    el('td', { text: String(step) }), el('td', { class: 'text' }, el('pre', { text: seq.texts[i].join('\n') }))))));
  filterTexts();
});

function filterTexts() {
  const find = (new URLSearchParams(location.search).get('find') || '').toLowerCase();
  let shown = 0;
  for (const row of document.querySelectorAll('table.texts tr')) {
    row.hidden = Boolean(find) && !row.dataset.text.includes(find);
    if (!row.hidden) shown++;
  }
  const note = document.querySelector('.find-note');
  if (note) note.textContent = find ? `${shown} step(s) hold "${find}"` : '';
}

PAGES.texts = (main) => {
  const find = el('input', { type: 'search', id: 'text-find', placeholder: 'find in the texts', value: new URLSearchParams(location.search).get('find') || '' });
  find.addEventListener('input', () => {
    const url = new URL(location.href);
    if (find.value) url.searchParams.set('find', find.value); else url.searchParams.delete('find');
    history.replaceState(null, '', url);
    filterTexts();
  });
  textsPage(main);
  main.querySelector('h1').after(el('div', { class: 'controls' }, el('label', {}, 'find ', find), el('span', { class: 'note find-note' })));
};

PAGES.figures = objectsPage('figures', 'Figures', 'AimQL over figures, e.g. figures.name == "roc"', OBJECT_VIEWS.figures = async (div, seq) => {
  const Plotly = await loadPlotly();
  const chart = el('div', { class: 'chart figure' });
  const error = el('div', { class: 'error' });
  const latest = latestOnly(); // a slider moved on drops the replies for the steps it passed
  const slider = stepSlider(seq.steps, async (i) => {
    const current = latest();
    try {
      const figure = await api(seq.figures[i][0].src); // the plotly JSON, cached by the browser
      if (!current()) return;
      showError(error, null);
      await Plotly.react(chart, figure.data || [], figure.layout || {}, PLOT_CONFIG);
    } catch (err) {
      if (current()) showError(error, err);
    }
  });
  div.append(slider.node, error, chart);
  await slider.show();
});
