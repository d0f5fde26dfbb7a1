// Internal: decode a list of image files into one normalised tensor for a tower, failing with the names
// of the files that could not be used (a fine-tuning set with a silently dropped image has shifted labels).
import type * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor, loadImages, type NormalizationSpec } from '@vlp/vision';

/** How images are decoded for a tower: its square input size and normalisation. */
export interface _ImageSpec {
  imageSize: number;
  normalization: NormalizationSpec;
}

/** Decodes `paths` (padded to a square, the vision tower's size) to [N, S, S, 3]; the caller disposes. */
export async function _loadPixels(paths: readonly string[], spec: _ImageSpec): Promise<tf.Tensor4D> {
  if (paths.length === 0) throw new Error('no images to load');
  const { images, skipped } = await loadImages(paths, { imageSize: spec.imageSize, resize: 'pad' });
  if (skipped.length > 0) {
    const list = skipped.slice(0, 5).map((s) => `${s.path} (${s.reason}: ${s.message})`);
    const more = skipped.length > 5 ? ` and ${skipped.length - 5} more` : '';
    throw new Error(`${skipped.length} image(s) could not be loaded: ${list.join('; ')}${more}`);
  }
  return imagesToTensor(images, spec.normalization);
}
