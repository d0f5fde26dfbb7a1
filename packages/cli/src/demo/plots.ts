// The demo report's pictures: loss curves per objective and the 9-category confusion matrix, described as
// Vega-Lite specs, compiled to Vega, rendered headless to SVG (no canvas needed) and rasterised to PNG with
// sharp (librsvg).
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of a loss curve. */
export interface LossPoint {
  step: number;
  objective: string;
  loss: number;
}

/**
 * Renders a Vega-Lite spec to PNG bytes (SVG through vega's headless view, then sharp at `density` dpi).
 *
 * @example
 * ```ts
 * const png = await renderVegaLite({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point',
 *   encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
 * ```
 */
export async function renderVegaLite(spec: TopLevelSpec, density = 144): Promise<Buffer> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return await sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().toBuffer();
  } finally {
    view.finalize();
  }
}

/**
 * Training loss per objective against the step (moving average over `smooth` steps, raw values faint).
 *
 * @example
 * ```ts
 * await writeFile('loss.png', await lossPlot([{ step: 1, objective: 'itc', loss: 4.8 }]));
 * ```
 */
export function lossPlot(points: readonly LossPoint[], smooth = 25): Promise<Buffer> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training loss per objective (weighted sum = total)',
    width: 560,
    height: 300,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      {
        mark: { type: 'line', opacity: 0.2, strokeWidth: 1 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'loss', type: 'quantitative', title: 'loss' },
          color: { field: 'objective', type: 'nominal', title: 'objective' },
        },
      },
      {
        transform: [
          {
            window: [{ op: 'mean', field: 'loss', as: 'smoothed' }],
            frame: [-smooth, 0],
            groupby: ['objective'],
            sort: [{ field: 'step' }],
          },
        ],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'smoothed', type: 'quantitative' },
          color: { field: 'objective', type: 'nominal' },
        },
      },
    ],
  };
  return renderVegaLite(spec);
}

/**
 * Confusion matrix heat map: rows true class, columns predicted, each cell its count, coloured by the
 * share of its row (so small classes read as well as large ones).
 *
 * @example
 * ```ts
 * await writeFile('confusion.png', await confusionPlot(['cat', 'dog'], [[3, 1], [0, 4]], 'Categories'));
 * ```
 */
export function confusionPlot(
  labels: readonly string[],
  matrix: readonly (readonly number[])[],
  title: string,
): Promise<Buffer> {
  const values = matrix.flatMap((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return row.map((count, j) => ({
      truth: labels[i] ?? String(i),
      predicted: labels[j] ?? String(j),
      count,
      share: count / total,
    }));
  });
  const order = [...labels];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    width: 36 * labels.length,
    height: 36 * labels.length,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted', axis: { labelAngle: -40 } },
      y: { field: 'truth', type: 'nominal', sort: order, title: 'true category' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of row',
            scale: { scheme: 'blues', domain: [0, 1] },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  return renderVegaLite(spec);
}
