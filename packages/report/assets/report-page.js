// @ts-check
/* The feature report's page script: plain browser JavaScript, loaded from disk (file://) with the
   report's data files; plots are Vega-Lite specifications compiled and rendered by Vega. */
/* global vega, vegaLite */
(function () {
  'use strict';
  /** @type {any} */
  const w = window;
  const report = w.DEEPLENS_REPORT;
  const PAGE = 12;
  /** @type {Map<number, any[]>} */
  const chunks = new Map();
  /** @type {Map<number, Promise<void>>} */
  const loading = new Map();
  w.deeplensFeatures = (/** @type {number} */ index, /** @type {any[]} */ features) => void chunks.set(index, features);

  /** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children] */
  function el(tag, attrs = {}, children = []) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  /** Render a Vega-Lite spec into a container as SVG. @param {HTMLElement} container @param {any} spec */
  function plot(container, spec) {
    const compiled = vegaLite.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 'container', height: 160, ...spec }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container, hover: true });
    return view.runAsync().catch((/** @type {Error} */ e) => console.error(`plot failed: ${e.message}`));
  }

  const fmt = (/** @type {number} */ x, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : 'n/a');
  const tokenText = (/** @type {number} */ t) => (t < 0 ? '' : report.vocab[t] ?? `#${t}`);

  function overview() {
    const o = report.overview;
    document.title = `Feature report — ${o.title}`;
    const root = /** @type {HTMLElement} */ (document.getElementById('overview'));
    root.append(el('h1', {}, [`Feature report: ${o.title}`]));
    for (const line of o.meta) root.append(el('p', { class: 'meta' }, [line]));
    root.append(el('div', { class: 'stats' }, o.stats.map((/** @type {[string, string]} */ [k, v]) => el('div', {}, [k, el('b', {}, [v])]))));
    const plots = el('div', { class: 'plots' });
    root.append(plots);
    const add = (/** @type {string} */ id, /** @type {any} */ spec) => {
      const box = el('div', { class: 'plot', id, 'data-plot': id });
      plots.append(box);
      plot(box, spec);
    };
    const curves = o.curves;
    for (const [key, title] of [['loss', 'training loss'], ['fvu', 'eval FVU'], ['l0', 'eval L0'], ['dead', 'eval dead fraction'], ['lr', 'learning rate']]) {
      const values = curves.filter((/** @type {any} */ c) => c.metric === key);
      if (values.length > 0) add(`plot-${key}`, { title, data: { values }, mark: { type: 'line', point: values.length < 30 }, encoding: { x: { field: 'step', type: 'quantitative', title: 'step' }, y: { field: 'value', type: 'quantitative', title: key, scale: { zero: false } } } });
    }
    add('plot-density', { title: `feature density (log10 of the fraction of rows; ${o.deadFeatures} dead not shown)`, data: { values: o.densityHist }, mark: 'bar', encoding: { x: { field: 'log10_density', type: 'quantitative', bin: { binned: true }, title: 'log10 density' }, x2: { field: 'to' }, y: { field: 'count', type: 'quantitative', title: 'features' } } });
    add('plot-l0hist', { title: 'L0 per row (active features)', data: { values: o.l0Hist }, mark: 'bar', encoding: { x: { field: 'l0', type: 'quantitative', bin: { binned: true }, title: 'L0' }, x2: { field: 'to' }, y: { field: 'rows', type: 'quantitative', title: 'rows' } } });
    if (o.inModel) {
      const m = o.inModel;
      root.append(el('h2', {}, ['Inside the model']));
      root.append(el('p', { class: 'meta' }, [`${m.model}, ${m.site} of layer ${m.layer}: clean CE ${fmt(m.ce_clean)}, zero-ablation CE ${fmt(m.zero_ablation.ce)}, mean-ablation CE ${fmt(m.mean_ablation.ce)} over ${m.tokens} next-token predictions`]));
      const head = el('tr', {}, ['SAE', 'CE', 'delta loss', 'CE loss recovered', 'vs mean-ablation', 'KL'].map((h) => el('th', {}, [h])));
      const rows = m.saes.map((/** @type {any} */ s) => el('tr', {}, [s.name, fmt(s.ce), fmt(s.delta_loss), fmt(s.ce_loss_recovered), fmt(s.ce_loss_recovered_mean_ablation), fmt(s.kl)].map((c) => el('td', {}, [c]))));
      root.append(el('table', { id: 'in-model' }, [head, ...rows]));
    }
  }

  /** @param {number} chunk */
  function loadChunk(chunk) {
    if (chunks.has(chunk)) return Promise.resolve();
    let p = loading.get(chunk);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const s = el('script', { src: `data/features-${String(chunk).padStart(4, '0')}.js` });
        s.addEventListener('load', () => resolve());
        s.addEventListener('error', () => reject(new Error(`cannot load feature chunk ${chunk}`)));
        document.head.append(s);
      });
      loading.set(chunk, p);
    }
    return p;
  }

  /** @param {number} id */
  async function feature(id) {
    const chunk = Math.floor(id / report.chunkSize);
    await loadChunk(chunk);
    return /** @type {any[]} */ (chunks.get(chunk))[id % report.chunkSize];
  }

  /** One example as a line of tokens coloured by the feature's activation. @param {any} ex @param {number} max */
  function context(ex, max) {
    const C = (ex.t.length - 1) / 2;
    const line = el('div', { class: 'ctx' }, [el('span', { class: 'val' }, [fmt(ex.v, 3)])]);
    ex.t.forEach((/** @type {number} */ t, /** @type {number} */ i) => {
      if (t < 0) return;
      const a = ex.a[i];
      const alpha = max > 0 ? Math.max(0, Math.min(1, a / max)) : 0;
      line.append(el('span', { class: `tok${i === C ? ' center' : ''}`, title: `activation ${fmt(a, 4)}`, 'data-act': String(a), style: `background: rgba(255, 110, 0, ${alpha.toFixed(3)})` }, [tokenText(t)]));
    });
    return line;
  }

  /** @param {any} f */
  function card(f) {
    const c = el('div', { class: 'card', id: `feature-${f.id}` });
    c.append(el('h3', {}, [`Feature #${f.id}`]));
    if (f.count === 0) {
      c.append(el('p', { class: 'dead' }, ['Dead: never active on these rows.']));
      return c;
    }
    c.append(el('p', { class: 'meta' }, [`density ${fmt(f.density, 3)} (${f.count} rows) · max ${fmt(f.max)} · mean ${fmt(f.mean)}`]));
    const row = el('div', { class: 'row' });
    const histBox = el('div', { class: 'plot', 'data-plot': `hist-${f.id}` });
    row.append(histBox);
    const right = el('div');
    right.append(el('div', { class: 'meta' }, [`Top ${f.top.length} activating contexts`]));
    for (const ex of f.top) right.append(context(ex, f.max));
    if (f.logits) {
      const list = (/** @type {string} */ title, /** @type {[number, number][]} */ items) => el('div', {}, [title, el('ol', {}, items.map(([t, v]) => el('li', { title: fmt(v) }, [`${JSON.stringify(tokenText(t))} ${v >= 0 ? '+' : ''}${fmt(v, 3)}`])))]);
      right.append(el('div', { class: 'logits' }, [list('promotes', f.logits.pos), list('suppresses', f.logits.neg)]));
    }
    const q = el('details', {}, [el('summary', {}, ['Samples from activation intervals'])]);
    for (const b of f.quant) {
      if (b.ex.length === 0) continue;
      q.append(el('div', { class: 'meta' }, [`(${fmt(b.lo, 3)}, ${fmt(b.hi, 3)}]: ${b.n} rows`]));
      for (const ex of b.ex) q.append(context(ex, f.max));
    }
    right.append(q);
    row.append(right);
    c.append(row);
    plot(histBox, { title: 'activations (log10)', height: 120, data: { values: f.hist }, mark: 'bar', encoding: { x: { field: 'from', type: 'quantitative', bin: { binned: true }, title: 'log10 activation' }, x2: { field: 'to' }, y: { field: 'count', type: 'quantitative', title: 'rows' } } });
    return c;
  }

  const state = { order: /** @type {number[]} */ ([]), page: 0 };

  function sortFeatures(/** @type {string} */ key) {
    const s = report.summary; // [id, density, max]
    const ids = s.map((/** @type {number[]} */ r) => r[0]);
    if (key === 'density') ids.sort((/** @type {number} */ a, /** @type {number} */ b) => s[b][1] - s[a][1] || a - b);
    if (key === 'max') ids.sort((/** @type {number} */ a, /** @type {number} */ b) => s[b][2] - s[a][2] || a - b);
    state.order = ids;
    state.page = 0;
  }

  async function render() {
    const cards = /** @type {HTMLElement} */ (document.getElementById('cards'));
    const pages = Math.max(1, Math.ceil(state.order.length / PAGE));
    state.page = Math.max(0, Math.min(pages - 1, state.page));
    const ids = state.order.slice(state.page * PAGE, (state.page + 1) * PAGE);
    /** @type {HTMLElement} */ (document.getElementById('page-info')).textContent = `page ${state.page + 1} of ${pages} (${state.order.length} features)`;
    const features = await Promise.all(ids.map(feature));
    cards.replaceChildren(...features.map(card));
    document.body.dataset['rendered'] = String(Number(document.body.dataset['rendered'] ?? 0) + 1);
  }

  function controls() {
    const sort = /** @type {HTMLSelectElement} */ (document.getElementById('sort'));
    const search = /** @type {HTMLInputElement} */ (document.getElementById('search'));
    sort.addEventListener('change', () => { sortFeatures(sort.value); void render(); });
    /** @type {HTMLElement} */ (document.getElementById('prev')).addEventListener('click', () => { state.page--; void render(); });
    /** @type {HTMLElement} */ (document.getElementById('next')).addEventListener('click', () => { state.page++; void render(); });
    search.addEventListener('change', () => {
      const id = Number(search.value);
      if (!Number.isInteger(id) || id < 0 || id >= report.summary.length) return;
      state.page = Math.floor(state.order.indexOf(id) / PAGE);
      void render().then(() => document.getElementById(`feature-${id}`)?.scrollIntoView());
    });
    sortFeatures(sort.value);
  }

  overview();
  controls();
  void render();
})();
