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

PAGES.images = objectsPage('images', 'Images', 'AimQL over images, e.g. images.name == "samples"', OBJECT_VIEWS.images = (div, seq) => {
  const grid = el('div', { class: 'grid' });
  const slider = stepSlider(seq.steps, (i) => {
    grid.replaceChildren(...seq.images[i].map((image) => el('figure', {},
      el('img', { src: image.src, alt: image.caption, width: Math.min(image.width || 220, 220), loading: 'lazy' }),
      el('figcaption', { text: image.caption }))));
  });
  div.append(slider.node, grid);
  slider.show();
});

PAGES.distributions = objectsPage('distributions', 'Distributions', 'AimQL over distributions, e.g. distributions.name == "weights"', OBJECT_VIEWS.distributions = async (div, seq) => {
  const Plotly = await loadPlotly();
  const centers = seq.edges.slice(0, -1).map((e, i) => (e + seq.edges[i + 1]) / 2);
  const chart = el('div', { class: 'chart' });
  div.append(chart);
  await Plotly.newPlot(chart, [{ type: 'heatmap', x: centers, y: seq.steps, z: seq.weights, colorscale: 'Viridis',
    hovertemplate: 'value %{x}<br>step %{y}<br>weight %{z}<extra></extra>' }],
  { margin: { l: 50, r: 10, t: 20, b: 40 }, xaxis: { title: { text: 'value' } }, yaxis: { title: { text: 'step' } }, height: 320 },
  { responsive: true, displaylogo: false });
});

PAGES.texts = objectsPage('texts', 'Texts', 'AimQL over texts, e.g. texts.name == "outputs"', OBJECT_VIEWS.texts = (div, seq) => {
  if (seq.count > seq.steps.length) div.append(el('div', { class: 'note', text: `the newest ${seq.steps.length} of ${seq.count} steps` }));
  div.append(el('table', { class: 'runs texts' }, seq.steps.map((step, i) => el('tr', {},
    el('td', { text: String(step) }), el('td', { class: 'text' }, el('pre', { text: seq.texts[i].join('\n') }))))));
});

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
      await Plotly.react(chart, figure.data || [], figure.layout || {}, { responsive: true, displaylogo: false });
    } catch (err) {
      if (current()) showError(error, err);
    }
  });
  div.append(slider.node, error, chart);
  await slider.show();
});
