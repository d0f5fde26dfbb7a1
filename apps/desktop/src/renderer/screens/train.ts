// The Train screen: pick a corpus source (added on the Corpus screen), a recipe (method and size from
// @vlp/pretrain's listRecipes) and a step count; see the backend the worker will use and the WebGPU adapter
// or why there is none; start, pause, resume, stop a run; live loss and learning-rate charts (uPlot), steps/s,
// ETA, the checkpoint list and a retrieval preview on held-out images. Each chart container carries
// `data-points` (points the chart holds) so tests read the chart's data, not its pixels.
import uPlot from 'uplot';
import type { PreloadApi } from '../../preload/index.js';
import type { AppEvent, RecipeInfo, TrainPoint, TrainRun } from '../../shared/contract.js';
import { h, mount } from '../dom.js';

/**
 * Seconds as "1 h 02 min", "3 min 05 s" or "12 s"; '-' when unknown.
 *
 * @example
 * ```ts
 * formatDuration(185); // '3 min 05 s'
 * ```
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${s} s`;
}

/** One line chart of `key` over steps, with its data mirrored in `data-points` / `data-last`. */
class LineChart {
  readonly el: HTMLElement;
  private readonly plot: uPlot;
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];

  constructor(
    readonly key: 'loss' | 'lr',
    label: string,
    colour: string,
  ) {
    this.el = h('div', { class: 'chart', id: `chart-${key}`, 'data-points': '0' });
    this.plot = new uPlot(
      {
        title: label,
        width: 520,
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { size: 60 }],
        legend: { show: false },
        series: [{ label: 'step' }, { label, stroke: colour, width: 2, points: { show: false } }],
      },
      [[], []],
      this.el,
    );
  }

  reset(points: TrainPoint[]): void {
    this.xs.length = 0;
    this.ys.length = 0;
    this.add(points);
  }

  add(points: TrainPoint[]): void {
    for (const p of points) {
      this.xs.push(p.step);
      this.ys.push(p[this.key]);
    }
    this.plot.setData([this.xs, this.ys]);
    this.el.dataset.points = String(this.xs.length);
    const last = this.ys.at(-1);
    this.el.dataset.last = last === undefined ? '' : String(last);
  }

  destroy(): void {
    this.plot.destroy();
  }
}

function recipeControls(recipes: RecipeInfo[]) {
  const methods = [...new Set(recipes.map((r) => r.method))];
  const method = h('select', { id: 'train-method' }, ...methods.map((m) => h('option', { value: m }, m)));
  const size = h('select', { id: 'train-size' });
  const description = h('p', { class: 'note', id: 'train-recipe-description' });
  const fillSizes = () => {
    const sizes = recipes.filter((r) => r.method === method.value);
    mount(size, ...sizes.map((r) => h('option', { value: r.size }, r.size)));
    describe();
  };
  const describe = () => {
    const r = recipes.find((x) => x.method === method.value && x.size === size.value);
    description.textContent = r?.description ?? '';
  };
  method.addEventListener('change', fillSizes);
  size.addEventListener('change', describe);
  fillSizes();
  const recipe = () => recipes.find((r) => r.method === method.value && r.size === size.value)?.name;
  return { method, size, description, recipe };
}

/** Shows the screen; returns a function that stops listening to events and frees the charts. */
export function showTrain(root: HTMLElement, api: PreloadApi): () => void {
  const loss = new LineChart('loss', 'training loss', '#2458c6');
  const lr = new LineChart('lr', 'learning rate', '#c46a1d');
  const status = h('p', { id: 'train-status', class: 'note' });
  const backendLine = h('p', { id: 'train-backend' }, 'Probing backends...');
  const runView = h('div', { id: 'train-run' });
  const checkpoints = h('tbody', { id: 'train-checkpoints' });
  const preview = h('div', { id: 'train-preview' });
  const corpus = h('select', { id: 'train-corpus' });
  const steps = h('input', { type: 'number', id: 'train-steps', min: '1', value: '200' });
  const batch = h('input', { type: 'number', id: 'train-batch', min: '2', value: '8' });
  const lrInput = h('input', { type: 'number', id: 'train-lr', min: '0', step: '0.0001', value: '0.002' });
  const startButton = h('button', { class: 'primary', id: 'train-start', type: 'submit' }, 'Start');
  const pause = h('button', { type: 'button', id: 'train-pause', disabled: true }, 'Pause');
  const resume = h('button', { type: 'button', id: 'train-resume', disabled: true }, 'Resume');
  const stop = h('button', { type: 'button', id: 'train-stop', disabled: true }, 'Stop');
  const form = h('form', { class: 'row card', id: 'train-form' });
  let current: TrainRun | null = null;

  const showRun = (run: TrainRun) => {
    // A different run (or the first): the charts start over from what that run already has.
    if (current?.id !== run.id) {
      loss.reset(run.history);
      lr.reset(run.history);
    }
    current = run;
    const live = run.state === 'running' || run.state === 'paused' || run.state === 'starting';
    pause.disabled = run.state !== 'running';
    resume.disabled = run.state !== 'paused';
    stop.disabled = !live;
    startButton.disabled = live;
    mount(
      runView,
      h(
        'p',
        { class: 'row', 'data-run': run.id, 'data-state': run.state },
        h('strong', {}, `${run.recipe} on ${run.corpus}`),
        h('span', { class: `state state-${run.state}`, id: 'train-state' }, run.state),
        h('progress', { max: String(run.totalSteps), value: String(run.step) }),
        h('span', { id: 'train-step' }, `step ${run.step} / ${run.totalSteps}`),
        h('span', { id: 'train-rate' }, `${run.stepsPerSecond?.toFixed(2) ?? '-'} steps/s`),
        h('span', { id: 'train-eta' }, `ETA ${formatDuration(run.etaSeconds)}`),
      ),
      h(
        'p',
        { class: 'note' },
        `backend ${run.backend ?? '(starting)'} · ${run.trainPairs} training pairs, ${run.heldOut} held out · ${run.dir}`,
      ),
      run.error !== null && h('p', { class: 'error' }, run.error),
    );
    mount(
      checkpoints,
      ...run.checkpoints.map((c) =>
        h(
          'tr',
          { 'data-checkpoint': String(c.step) },
          h('td', {}, String(c.step)),
          h('td', {}, c.reason),
          h('td', { class: 'note' }, c.dir),
        ),
      ),
    );
    if (run.preview !== null) {
      const p = run.preview;
      mount(
        preview,
        h(
          'p',
          { class: 'note', id: 'train-preview-accuracy', 'data-step': String(p.step) },
          `step ${p.step}: held-out image -> caption top-1 ${(100 * p.accuracy).toFixed(0)}% (chance ${(100 * p.chance).toFixed(0)}%)`,
        ),
        h(
          'div',
          { class: 'preview-grid' },
          ...p.items.map((item) =>
            h(
              'figure',
              { class: item.correct ? 'hit' : 'miss' },
              item.thumbnail === null
                ? h('div', { class: 'nothumb' }, 'no preview')
                : h('img', { class: 'thumb', src: item.thumbnail, alt: item.truth }),
              h(
                'figcaption',
                {},
                h('span', { title: 'the held-out caption ranked first' }, `→ ${item.predicted}`),
                h('span', { class: 'note' }, `true: ${item.truth}`),
              ),
            ),
          ),
        ),
      );
    }
  };

  const off = api.onEvent((event: AppEvent) => {
    if (event.type === 'trainStep' && current?.id === event.runId) {
      loss.add([event.point]);
      lr.add([event.point]);
      current.step = event.point.step;
      current.stepsPerSecond = event.stepsPerSecond;
      current.etaSeconds = event.etaSeconds;
      const bar = runView.querySelector('progress');
      if (bar !== null) bar.value = event.point.step;
      const set = (id: string, text: string) => {
        const el = runView.querySelector(`#${id}`);
        if (el !== null) el.textContent = text;
      };
      set('train-step', `step ${event.point.step} / ${current.totalSteps}`);
      set('train-rate', `${event.stepsPerSecond.toFixed(2)} steps/s`);
      set('train-eta', `ETA ${formatDuration(event.etaSeconds)}`);
    } else if (event.type === 'train' && (current === null || current.id === event.run.id)) {
      showRun({ ...event.run, step: Math.max(event.run.step, current?.step ?? 0) });
    }
  });

  const control = (action: 'pause' | 'resume' | 'stop') => () => {
    if (current === null) return;
    api.trainControl({ id: current.id, action }).catch((error: Error) => {
      status.textContent = error.message;
      status.className = 'error';
    });
  };
  pause.addEventListener('click', control('pause'));
  resume.addEventListener('click', control('resume'));
  stop.addEventListener('click', control('stop'));

  mount(
    root,
    h('h2', {}, 'Train'),
    backendLine,
    form,
    status,
    h('div', { class: 'row' }, pause, resume, stop),
    runView,
    h('div', { class: 'charts' }, loss.el, lr.el),
    h(
      'div',
      { class: 'columns' },
      h('section', { class: 'card' }, h('h4', {}, 'Retrieval preview (held-out pairs)'), preview),
      h(
        'section',
        { class: 'card' },
        h('h4', {}, 'Checkpoints'),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'step'), h('th', {}, 'why'), h('th', {}, 'folder'))),
          checkpoints,
        ),
      ),
    ),
  );

  api.backendsReport({}).then(
    (view) => {
      mount(
        backendLine,
        h('strong', {}, `Backend: ${view.effective ?? 'none available'}`),
        ' · ',
        h(
          'span',
          { id: 'train-webgpu' },
          view.webgpu.adapter === null
            ? `No WebGPU: ${view.webgpu.reason ?? 'unknown reason'}`
            : `WebGPU adapter: ${view.webgpu.adapter}`,
        ),
      );
    },
    (error: Error) => {
      backendLine.textContent = error.message;
    },
  );

  Promise.all([api.trainRecipes({}), api.corpusList({})]).then(
    ([recipes, sources]) => {
      const usable = sources.filter((s) => s.counts.pairs > 0);
      mount(
        corpus,
        ...usable.map((s) => h('option', { value: s.name }, `${s.name} (${s.counts.pairs} pairs)`)),
      );
      const controls = recipeControls(recipes);
      mount(
        form,
        h('label', { for: 'train-corpus' }, 'Corpus'),
        corpus,
        h('label', { for: 'train-method' }, 'Recipe'),
        controls.method,
        h('label', { for: 'train-size' }, 'size'),
        controls.size,
        h('label', { for: 'train-steps' }, 'Steps'),
        steps,
        h('label', { for: 'train-batch' }, 'Batch'),
        batch,
        h('label', { for: 'train-lr', title: 'peak learning rate (cosine schedule with warm-up)' }, 'lr'),
        lrInput,
        startButton,
        controls.description,
      );
      if (usable.length === 0)
        status.textContent =
          'No corpus with captions yet: add a folder as "sidecar" (image + .txt) on the Corpus screen.';
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const recipe = controls.recipe();
        if (recipe === undefined || corpus.value === '') return;
        status.textContent = 'Starting...';
        status.className = 'note';
        api
          .trainStart({
            corpus: corpus.value,
            recipe,
            steps: Number(steps.value),
            batchSize: Number(batch.value),
            lr: Number(lrInput.value),
          })
          .then(
            (run) => {
              status.textContent = `Training in a worker thread: ${run.id}`;
              if (current?.id !== run.id) showRun(run);
            },
            (error: Error) => {
              status.textContent = error.message;
              status.className = 'error';
            },
          );
      });
    },
    (error: Error) => {
      status.textContent = error.message;
      status.className = 'error';
    },
  );

  // Coming back to the screen: show the latest run with its full history.
  api.trainList({}).then(
    (runs) => {
      const last = runs.at(-1);
      if (last !== undefined && current === null) showRun(last);
    },
    () => undefined,
  );

  return () => {
    off();
    loss.destroy();
    lr.destroy();
  };
}
