// NLVR2-style pair classification (Suhr et al., ACL 2019): two images and a sentence, is the sentence
// true of the pair? Reads the official JSON Lines (`{identifier, sentence, label: "True"|"False",
// directory?}` per line; a JSON array is accepted too), where the images of `train-10171-0-0` are
// `train-10171-0-img0.png` and `-img1.png` (under `<directory>/` for the train split), or explicit
// `left_image` / `right_image` fields.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { _readRecords } from './_json.js';

const RecordSchema = z.object({
  identifier: z.string(),
  sentence: z.string(),
  label: z.union([z.enum(['True', 'False', 'true', 'false']), z.boolean()]),
  directory: z.union([z.string(), z.number()]).optional(),
  left_image: z.string().optional(),
  right_image: z.string().optional(),
});

/**
 * One NLVR2 example.
 * @example
 * ```ts
 * const ex: Nlvr2Example = { identifier: 'dev-1-0-0', sentence: 'both images show a dog', label: true,
 *   images: ['/nlvr2/dev/dev-1-0-img0.png', '/nlvr2/dev/dev-1-0-img1.png'] };
 * ```
 */
export interface Nlvr2Example {
  identifier: string;
  sentence: string;
  label: boolean;
  /** Left and right image files. */
  images: [string, string];
}

/**
 * Options of {@link loadNlvr2}.
 * @example
 * ```ts
 * const opts: LoadNlvr2Options = { file: 'nlvr2/data/dev.json', imageRoot: 'nlvr2/images/dev' };
 * ```
 */
export interface LoadNlvr2Options {
  /** JSON Lines (or JSON array) of records. */
  file: string;
  /** Folder of the images. */
  imageRoot: string;
}

function _imageFiles(root: string, r: z.infer<typeof RecordSchema>): string[][] {
  const resolve = (p: string) => (p.startsWith('/') ? p : join(root, p));
  if (r.left_image !== undefined && r.right_image !== undefined) {
    return [[resolve(r.left_image)], [resolve(r.right_image)]];
  }
  const stem = r.identifier.replace(/-\d+$/, '');
  return [0, 1].map((k) => {
    const name = `${stem}-img${k}.png`;
    return [...(r.directory !== undefined ? [join(String(r.directory), name)] : []), name].map(resolve);
  });
}

/**
 * Reads NLVR2 records and checks every image exists. Throws, naming the file and line, on bad JSON, a
 * record of the wrong shape, or a missing image.
 * @example
 * ```ts
 * const dev = loadNlvr2({ file: 'dev.json', imageRoot: 'images/dev' });
 * dev.filter((e) => e.label).length; // true examples
 * ```
 */
export function loadNlvr2(opts: LoadNlvr2Options): Nlvr2Example[] {
  const records = _readRecords(opts.file, RecordSchema, 'NLVR2');
  return records.map((r) => {
    const [left, right] = _imageFiles(opts.imageRoot, r).map((tries) => {
      const hit = tries.find((p) => existsSync(p));
      if (hit === undefined) {
        throw new Error(
          `NLVR2 ${opts.file}: image of "${r.identifier}" not found; tried ${tries.join(', ')}`,
        );
      }
      return hit;
    }) as [string, string];
    return {
      identifier: r.identifier,
      sentence: r.sentence,
      label: r.label === true || r.label === 'True' || r.label === 'true',
      images: [left, right],
    };
  });
}
