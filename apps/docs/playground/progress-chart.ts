import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Two live charts: per-step loss and L0, and per-evaluation FVU and dead fraction. Points are
 * appended as they come and the charts redraw at most once per animation frame.
 */
export class ProgressChart {
  readonly #step: uPlot;
  readonly #eval: uPlot;
  readonly #stepData: [number[], number[], number[]] = [[], [], []];
  readonly #evalData: [number[], number[], number[]] = [[], [], []];
  #pending = false;

  constructor(parent: HTMLElement, width = Math.min(parent.clientWidth || 640, 720)) {
    const axis = { stroke: '#888', grid: { stroke: '#8883' } };
    this.#step = new uPlot({
      title: 'training steps', width, height: 220,
      scales: { x: { time: false }, l0: { auto: true } },
      series: [{ label: 'step' }, { label: 'loss', stroke: '#3a6ff7', width: 1.5 }, { label: 'L0', stroke: '#e07b00', width: 1, scale: 'l0' }],
      axes: [{ ...axis }, { ...axis, label: 'loss' }, { ...axis, side: 1, scale: 'l0', label: 'L0', grid: { show: false } }],
    }, this.#stepData, parent);
    this.#eval = new uPlot({
      title: 'evaluations', width, height: 180,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [{ label: 'step' }, { label: 'FVU', stroke: '#1a9e55', width: 2, points: { show: true } }, { label: 'dead fraction', stroke: '#c0392b', width: 2, points: { show: true } }],
      axes: [{ ...axis }, { ...axis }],
    }, this.#evalData, parent);
  }

  addStep(step: number, loss: number, l0: number): void {
    this.#stepData[0].push(step);
    this.#stepData[1].push(loss);
    this.#stepData[2].push(l0);
    this.#schedule();
  }

  addEval(step: number, fvu: number, deadFraction: number): void {
    this.#evalData[0].push(step);
    this.#evalData[1].push(fvu);
    this.#evalData[2].push(deadFraction);
    this.#schedule();
  }

  clear(): void {
    for (const a of [...this.#stepData, ...this.#evalData]) a.length = 0;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.#step.setData(this.#stepData);
      this.#eval.setData(this.#evalData);
    });
  }
}
