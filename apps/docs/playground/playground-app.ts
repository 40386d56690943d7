import { openActivationBytes, type Backend } from '@deeplens/core';
import { DEMO_CONFIG_YAML, DEMO_DATA_NAME } from './demo-config.js';
import { findBackend, PLAYGROUND_BACKENDS } from './playground-backends.js';
import { ProgressChart } from './progress-chart.js';
import type { RunConfig } from '@deeplens/trainer/browser';
import { parsePlaygroundConfig, TrainSession } from './train-session.js';

/** What the page trains on: a file's name and bytes (the demo file, or one the user dropped). */
interface DataFile {
  name: string;
  bytes: Uint8Array;
}

/** The autorun contract: `?autorun=1&backend=NAME&steps=N` → `document.body.dataset.result` (or `.error`). */
export interface AutorunResult {
  backend: string;
  /** How the backend runs here (engine or gpu.js mode, renderer). */
  detail: string;
  steps: number;
  firstLoss: number;
  lastLoss: number;
  fvu: number;
}

const html = String.raw;

/**
 * The playground: pick a backend and activations, edit the config, train with live charts, stop,
 * and download the model. `demoUrl` is where the bundled demo activations are served.
 */
export function mountPlayground(root: HTMLElement, demoUrl: string): void {
  root.innerHTML = html`
    <div class="pg-row">
      <label>Backend <select data-pg="backend">${PLAYGROUND_BACKENDS.map((b) => `<option value="${b.name}">${b.label}</option>`).join('')}</select></label>
      <span data-pg="backend-detail" class="pg-muted"></span>
    </div>
    <div class="pg-drop" data-pg="drop">
      <div>Activations: <strong data-pg="data-name">loading the demo file…</strong> <span data-pg="data-shape" class="pg-muted"></span></div>
      <div class="pg-muted">Drop a <code>.npy</code>, <code>.safetensors</code> or <code>.pt</code> file here, or
        <label class="pg-link">choose one<input type="file" data-pg="file" accept=".npy,.safetensors,.pt,.pth" hidden></label>.
        It stays in this tab; nothing is uploaded.</div>
    </div>
    <details open><summary>config.yaml (the CLI's keys)</summary><textarea data-pg="config" spellcheck="false" rows="24"></textarea></details>
    <div class="pg-row">
      <button data-pg="train">Train</button>
      <button data-pg="stop" disabled>Stop</button>
      <progress data-pg="progress" max="1" value="0"></progress>
      <span data-pg="status" class="pg-muted">ready</span>
    </div>
    <div data-pg="chart"></div>
    <div class="pg-row" data-pg="downloads"></div>
    <pre data-pg="log" class="pg-log"></pre>`;
  const $ = <T extends HTMLElement>(name: string) => root.querySelector<T>(`[data-pg="${name}"]`)!;
  const backendSelect = $<HTMLSelectElement>('backend');
  const configArea = $<HTMLTextAreaElement>('config');
  const trainButton = $<HTMLButtonElement>('train');
  const stopButton = $<HTMLButtonElement>('stop');
  const progress = $<HTMLProgressElement>('progress');
  const status = $('status');
  const log = $('log');
  const downloads = $('downloads');
  const chart = new ProgressChart($('chart'));
  configArea.value = DEMO_CONFIG_YAML;

  let data: DataFile | undefined;
  let session: TrainSession | undefined;
  const say = (line: string) => {
    log.textContent += `${line}\n`;
    log.scrollTop = log.scrollHeight;
  };

  /** Take a file; show its shape, read with the config's data.key/flatten when the config parses. */
  async function useFile(file: DataFile): Promise<void> {
    data = file;
    $('data-name').textContent = file.name;
    const shape = $('data-shape');
    try {
      const source = await openActivationBytes(file.name, file.bytes, dataOptions());
      shape.textContent = `${source.rows} rows × ${source.cols} (${(file.bytes.length / 2 ** 20).toFixed(1)} MiB)`;
      await source.close();
    } catch (error) {
      // Often a dict or a multi-tensor file: data.key in the config says which tensor to train on.
      shape.textContent = `(${(error as Error).message})`;
    }
  }

  /** How the config says to read the file (a tensor of a dict, 3-D flattened); nothing while it does not parse. */
  function dataOptions(config?: RunConfig): { key?: string; flatten?: boolean } {
    try {
      const { data: d } = config ?? parsePlaygroundConfig(configArea.value);
      return { flatten: d.flatten, ...(d.key ? { key: d.key } : {}) };
    } catch {
      return {};
    }
  }

  const demo = fetch(demoUrl).then(async (r) => {
    if (!r.ok) throw new Error(`the demo activations could not be loaded (${r.status} ${r.statusText})`);
    await useFile({ name: DEMO_DATA_NAME, bytes: new Uint8Array(await r.arrayBuffer()) });
  });
  const readDropped = async (file: File) => useFile({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void readDropped(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('pg-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('pg-over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('pg-over');
    const file = e.dataTransfer?.files[0];
    if (file) void readDropped(file);
  });

  async function train(steps?: number): Promise<AutorunResult> {
    await demo;
    if (!data) throw new Error('no activations loaded');
    const config = parsePlaygroundConfig(configArea.value);
    const choice = findBackend(backendSelect.value)!;
    log.textContent = '';
    downloads.textContent = '';
    chart.clear();
    trainButton.disabled = true;
    stopButton.disabled = false;
    status.textContent = `starting ${choice.label}…`;
    let backend: Backend | undefined;
    try {
      backend = await choice.create();
      $('backend-detail').textContent = backend.detail ?? backend.name;
      const source = await openActivationBytes(data.name, data.bytes, dataOptions(config));
      const nFeatures = config.model.nFeatures;
      session = new TrainSession({
        backend, source, configText: configArea.value, ...(steps !== undefined ? { steps } : {}),
        onLine: say,
        onStep: (step, total, m) => {
          progress.max = total;
          progress.value = step;
          status.textContent = `step ${step} / ${total} · loss ${m.loss.toFixed(4)}`;
          chart.addStep(step, m.loss, m.nonZeroFrac * nFeatures);
        },
        onEval: (step, m) => chart.addEval(step, m.fvu, m.deadFraction),
      });
      const { result, losses, download } = await session.done;
      status.textContent = `${result.status} after ${result.globalStep} steps${result.lastEval ? ` · FVU ${result.lastEval.fvu.toFixed(4)}, L0 ${result.lastEval.l0.toFixed(1)}` : ''}`;
      if (download) offerDownload(download.model, download.configJson);
      return { backend: choice.name, detail: backend.detail ?? backend.name, steps: result.globalStep, firstLoss: losses[0] ?? NaN, lastLoss: losses.at(-1) ?? NaN, fvu: result.lastEval?.fvu ?? NaN };
    } finally {
      session = undefined;
      backend?.dispose();
      trainButton.disabled = false;
      stopButton.disabled = true;
    }
  }

  function offerDownload(model: Uint8Array, configJson: string): void {
    const link = (name: string, blob: Blob) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.textContent = `download ${name}`;
      a.dataset['pg'] = `download-${name}`;
      downloads.append(a, ' ');
    };
    link('best_model.safetensors', new Blob([model as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    link('config.json', new Blob([configJson], { type: 'application/json' }));
    const note = document.createElement('span');
    note.className = 'pg-muted';
    note.textContent = 'put both in one folder, then: deeplens eval --checkpoint FOLDER --activations FILE';
    downloads.append(note);
  }

  trainButton.addEventListener('click', () => {
    train().catch((error: unknown) => {
      status.textContent = 'failed';
      say(`error: ${(error as Error).message}`);
    });
  });
  stopButton.addEventListener('click', () => {
    status.textContent = 'stopping: finishing the step and evaluating…';
    session?.stop();
  });

  const params = new URLSearchParams(location.search);
  if (params.get('backend') && findBackend(params.get('backend')!)) backendSelect.value = params.get('backend')!;
  if (params.get('autorun') === '1') {
    const steps = Number(params.get('steps') ?? '50');
    const run = params.get('backend') && !findBackend(params.get('backend')!)
      ? Promise.reject(new Error(`unknown backend '${params.get('backend')}' (the page has: ${PLAYGROUND_BACKENDS.map((b) => b.name).join(', ')})`))
      : train(Number.isInteger(steps) && steps > 0 ? steps : 50);
    run.then(
      (result) => void (document.body.dataset['result'] = JSON.stringify(result)),
      (error: unknown) => {
        say(`error: ${(error as Error).message}`);
        document.body.dataset['error'] = (error as Error).message;
      },
    );
  } else {
    demo.catch((error: unknown) => say(`error: ${(error as Error).message}`));
  }
}
