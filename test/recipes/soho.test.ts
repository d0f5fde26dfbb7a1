// SOHO (Huang et al., CVPR 2021) on the emoji mini-corpus: CNN grid quantised by the visual dictionary,
// MVM over VD ids, MLM and ITM with random negatives, plus ITC (the contrastive towers' loss) at weight 1 as an
// auxiliary objective: a from-scratch stand-in for the ImageNet / BERT-pretrained backbones the paper starts
// from. Without it the from-scratch towers give nearly the same features for every emoji and ITM with random
// negatives gets no signal (measured, this run with itc 0, seed 0: ITM 0.71 at step 250, i.e. ln 2; accuracy
// 1/16 -> 1/16). Retrieval is still scored by the ITM head (SOHO's own retrieval; `scorer: 'itm'`, and
// `model.retrievalScores` does the same for soho recipes), not by the ITC embeddings. A short real run must
// lower the training loss and lift in-batch image->text retrieval over the 16 training pairs well above chance
// (1/16). Measured (ort backend, noisy shared 2-core machine), seeds 0/1/2: loss x0.46/0.43/0.46, accuracy
// 1/16 -> 0.69/1.00/0.81, ITM (last 10 steps) 0.36/0.17/0.16; ~47-60 s alone, ~110 s beside another run.
import { describeItmRecipe } from './_itm-recipe.js';

describeItmRecipe('soho-tiny', ['itc', 'itm', 'mlm', 'mvm']);
