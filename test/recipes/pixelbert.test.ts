// Pixel-BERT (Huang et al., 2020) on the emoji mini-corpus: CNN pixel tokens (random sampling while
// training), single-stream MLM + ITM with random negatives, plus ITC (the contrastive towers' loss) at weight 1
// as an auxiliary objective: a from-scratch stand-in for the ImageNet / BERT-pretrained backbones the paper
// starts from. Without it ITM from scratch learns only for some seeds (measured, this run with itc 0: seed 0
// accuracy 1/16 -> 0.69, seed 1 1/16 -> 0.19, seed 2 2/16 -> 0.25; with 8 pairs / batch 8 it needed ~450 steps). Retrieval is still
// scored by the ITM head (Pixel-BERT's own retrieval; `scorer: 'itm'`, and `model.retrievalScores` does the
// same for pixelbert recipes), not by the ITC embeddings. A short real run must lower the training loss and lift
// in-batch image->text retrieval over the 16 training pairs well above chance (1/16). Measured (ort backend,
// noisy shared 2-core machine), seeds 0/1/2 with the text's [CLS]: loss x0.33/0.34/0.31, accuracy 1/16 or
// 2/16 -> 0.81/0.81/1.00, ITM (last 10 steps) 0.08/0.22/0.02; ~46-51 s alone, ~100 s beside another run. With
// the masked-mean text pooling pixelbert-tiny now uses: accuracy 0.88/0.81/1.00, ITM (seeds 1/2) 0.18/0.06.
import { describeItmRecipe } from './_itm-recipe.js';

describeItmRecipe('pixelbert-tiny', ['itc', 'itm', 'mlm']);
