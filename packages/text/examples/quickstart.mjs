// Quick start for @vlp/text: train a WordPiece vocabulary, encode captions, mask them for MLM, run the
// BERT-style encoder and its tied MLM head, take one Adam step. Run after a build:
//   pnpm --filter @vlp/text build && node packages/text/examples/quickstart.mjs
import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend, softmaxCrossEntropy } from '@vlp/tensor-core';
import {
  createTextEncoder,
  encodingToTensors,
  gatherMaskedPositions,
  MlmHead,
  maskTokens,
  tokenizerFromJson,
  tokenizerToJson,
  trainWordPiece,
} from '@vlp/text';

await selectBackend('cpu');
const rng = new Rng(0);

// 1. A vocabulary from a corpus (any iterable of strings), saved and reloaded as tokenizer.json.
const captions = [
  'A dog runs across the grassy field.',
  'Two cats are sleeping on a sofa.',
  'A man rides a bicycle down the street.',
  'Children play football in the park.',
  'A brown dog catches a frisbee.',
  'A woman is reading a book on a bench.',
];
const { tokenizer: trained, stats } = trainWordPiece(captions, { vocabSize: 200, minFrequency: 1 });
const tokenizer = tokenizerFromJson(JSON.stringify(tokenizerToJson(trained)));
console.log(`vocabulary: ${tokenizer.vocabSize} tokens after ${stats.merges} merges`);
console.log(tokenizer.tokenize('A dog catches the football.'));

// 2. Batch encoding: flat Int32Arrays [B, T], padded to the longest caption.
const batch = tokenizer.encodeBatch(captions, { maxLength: 16 });
console.log(
  `batch shape [${batch.shape}], first row: ${tokenizer.decode(batch.inputIds.subarray(0, batch.shape[1]))}`,
);

// 3. MLM masking: 15% of real tokens, 80% [MASK] / 10% random / 10% unchanged; labels -100 elsewhere.
const masked = maskTokens(batch.inputIds, {
  vocabSize: tokenizer.vocabSize,
  specialIds: tokenizer.allSpecialIds,
  maskId: tokenizer.specialIds.mask,
  attentionMask: batch.attentionMask,
  rng: rng.fork('mlm'),
});

// 4. Encoder + tied MLM head, one training step.
const encoder = createTextEncoder('bert-tiny', { vocabSize: tokenizer.vocabSize }, rng);
const head = new MlmHead(encoder.embeddings.wordEmbeddings, encoder.config, rng);
const inputs = encodingToTensors({ ...batch, inputIds: masked.inputIds });
const optimizer = tf.train.adam(1e-3);
const loss = tf.tidy(() => {
  const { value, grads } = tf.variableGrads(() => {
    const { tokens } = encoder.forward(inputs); // [B, T, 128]
    const picked = gatherMaskedPositions(tokens, masked.labels); // [N, 128], [N]
    return softmaxCrossEntropy(head.forward(picked.hidden), picked.labels);
  }, [...encoder.parameters(), ...head.parameters()]);
  optimizer.applyGradients(grads);
  return value.dataSync()[0];
});
console.log(`MLM loss ${loss.toFixed(3)} (ln V = ${Math.log(tokenizer.vocabSize).toFixed(3)})`);

const { cls } = encoder.eval().forward(inputs);
console.log(`sentence features [${cls.shape}]`);
tf.dispose([cls, ...Object.values(inputs)]);
