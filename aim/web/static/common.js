// Shared helpers of the UI's pages. Data only ever reaches the page as text nodes or through
// DOM properties (never as HTML), so names, captions and texts cannot inject markup.
'use strict';

const PAGES = {};
// 24 distinct colours: no two of the first 20 runs on a chart share one
const AIM_PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
  '#bcbd22', '#17becf', '#393b79', '#e6550d', '#31a354', '#843c39', '#7b4173', '#3182bd', '#fd8d3c',
  '#74c476', '#ad494a', '#a55194', '#6b6ecf', '#bd9e39', '#de9ed6', '#9c9ede'];

// An address inside the UI, relative to the page's <base> (so a prefix in front of the UI works):
// '/api/runs' and 'api/runs' both name <base>api/runs.
function appUrl(path) {
  return new URL(String(path).replace(/^\//, ''), document.baseURI);
}

// The page's path below the UI's base, split: /runs/abc/notes -> ['runs', 'abc', 'notes'].
function pagePath() {
  const base = new URL(document.baseURI).pathname;
  const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
  return rest.split('/').filter(Boolean).map(decodeURIComponent);
}

function setTitle(...parts) {
  document.title = [...parts.filter(Boolean).map((p) => shorten(String(p), 80)), 'Aim'].join(' · ');
}

// The prefix the UI is served under (aim up --base-path; the server names it in the page's head),
// '' at the root. The pages write the app's own addresses from the root ('/runs/...'): at() puts
// the prefix in front, and api(), post() and el()'s href and src call it.
const BASE_PATH = document.querySelector('meta[name="aim-base-path"]')?.content || '';

function at(path) {
  return typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') ? BASE_PATH + path : path;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (let [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'href' || key === 'src') value = at(value);
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, params, options) {
  const url = appUrl(path);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    throw new ApiError(0, { error: `the server did not answer: ${err.message}`, kind: 'network' });
  }
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  performance.mark(`reply ${path}`);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function post(path, body, method) {
  return api(path, null, {
    method: method || 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
}

// The text of an error for the page: a query's syntax error points at its position.
function errorText(err) {
  const body = err.body || {};
  if (body.kind === 'syntax') {
    const where = `line ${body.line || 1}, column ${body.offset || 1}`;
    const caret = body.text ? `\n  ${body.text}\n  ${' '.repeat(Math.max((body.offset || 1) - 1, 0))}^` : '';
    return `Syntax error in the query at ${where}: ${body.error}${caret}`;
  }
  if (body.kind === 'budget') return `The query was stopped: ${body.error}`;
  return err.message;
}

function showError(box, err) {
  box.textContent = err ? errorText(err) : '';
}

// A counter for requests whose replies may arrive out of order: latest() gives a check that is
// true while no later request was started.
function latestOnly() {
  let started = 0;
  return () => {
    const mine = ++started;
    return () => mine === started;
  };
}

// A search box bound to the page's ?q=: calls onSearch(query) on submit and once at start.
function queryBox(placeholder, onSearch) {
  const params = new URLSearchParams(location.search);
  const input = el('input', { type: 'text', name: 'q', value: params.get('q') || '', placeholder, spellcheck: false });
  const error = el('div', { class: 'error query-error' });
  const form = el('form', { class: 'query' }, input, el('button', { type: 'submit', text: 'Search' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    if (input.value) url.searchParams.set('q', input.value); else url.searchParams.delete('q');
    history.replaceState(null, '', url);
    onSearch(input.value);
  });
  return { form, input, error, start: () => onSearch(input.value) };
}

function shorten(text, limit) {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function runLabel(run) {
  return run.name || run.hash.slice(0, 8);
}

function contextText(context) {
  const keys = Object.keys(context || {});
  return keys.length ? JSON.stringify(context) : '';
}

function fmtTime(seconds) {
  return seconds === null || seconds === undefined ? '' : new Date(seconds * 1000).toLocaleString();
}

// A duration as people read it: 0.25 s -> "250ms", 12.3 s -> "12.3s", then minutes, hours, days.
function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

// A number as people read it: integers exact, others with 4 significant digits, and an exponent when very small or very large:
// 0.0001 -> "1e-4", 0.123456 -> "0.1235", 1234567.8 -> "1.235e+6".
function fmtNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e6)) {
    const [mantissa, exponent] = value.toExponential(3).split('e');
    return `${Number(mantissa)}e${exponent}`;
  }
  return String(Number(value.toPrecision(4)));
}

function fmtValue(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return fmtNumber(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function runHref(hash, tab) {
  return `runs/${encodeURIComponent(hash)}${tab ? `/${tab}` : ''}`;
}

function runLink(run) {
  return el('a', { href: runHref(run.hash), text: runLabel(run), title: run.name || run.hash });
}

// plotly reads a few HTML-like tags in its texts; data goes in with them escaped.
function plotText(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// plotly.js, once per page: a page with charts names it in its head (deferred); others add it
// when first asked. Resolves to window.Plotly.
let plotlyLoading = null;
function loadPlotly() {
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const loaded = () => {
        if (!performance.getEntriesByName('plotly-loaded').length) performance.mark('plotly-loaded');
        resolve(window.Plotly);
      };
      if (window.Plotly) { loaded(); return; }
      let script = document.getElementById('plotly');
      if (!script) {
        script = el('script', { id: 'plotly', src: document.body.dataset.plotly });
        document.head.append(script);
      }
      script.addEventListener('load', loaded);
      script.addEventListener('error', () => reject(new Error('plotly.js could not be loaded')));
    });
  }
  return plotlyLoading;
}

function markRendered(what) {
  document.body.dataset.rendered = what;
  window.aimRenderedAt = performance.now();
}

const PAGE_TITLES = { home: 'Home', runs: 'Runs', metrics: 'Metrics', images: 'Images', distributions: 'Distributions',
  texts: 'Texts', audios: 'Audios', figures: 'Figures', experiments: 'Experiments', tags: 'Tags', bookmarks: 'Bookmarks',
  params: 'Params', scatters: 'Scatters', bookmark: 'Bookmark', notfound: 'Not found' };

function start() {
  const page = document.body.dataset.page;
  const main = document.getElementById('main');
  const query = new URLSearchParams(location.search).get('q');
  setTitle(query, PAGE_TITLES[page]); // a page that knows better (a run's name) sets it again
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === (pagePath()[0] || './')) link.classList.add('current');
  }
  for (const hook of NAV_TOOLS) hook(document.getElementById('nav-tools'));
  const render = PAGES[page] || PAGES.notfound;
  render(main);
}

const NAV_TOOLS = []; // functions that add a control to the nav bar (bookmarks.js, live.js)
const OBJECT_VIEWS = {}; // objects.js: how a sequence of each object kind is drawn (explorers and run page)

PAGES.notfound = (main) => {
  main.append(el('h1', { text: 'Not found' }),
    el('p', { class: 'not-found' }, `Nothing is at ${location.pathname}: the run or experiment may have been deleted or renamed. `,
      el('a', { href: './', text: 'Home' }), ' · ', el('a', { href: 'runs', text: 'All runs' }),
      history.length > 1 ? [' · ', el('a', { href: '#', text: 'Back', onclick: (e) => { e.preventDefault(); history.back(); } })] : null));
  markRendered('notfound');
};
