// Barrel for src/finetune: task data loaders (folder per class, VQA, NLVR2), task models, fineTune.
export type { TaskData } from './data.js';
export { disposeTaskData, imageClassificationData, nlvr2Data, vqaData } from './data.js';
export type { EpochReport, FineTuneOptions, FineTuneReport } from './finetune.js';
export { evaluateTask, fineTune, taskLoss } from './finetune.js';
export type { ImageFolder, LabelledImage } from './folder.js';
export { loadImageFolder, splitPerClass } from './folder.js';
export type { ImageClassifierOptions, TaskInputs } from './models.js';
export { ImageClassifier, PairClassifier, TaskModel, VqaClassifier } from './models.js';
export type { LoadNlvr2Options, Nlvr2Example } from './nlvr2.js';
export { loadNlvr2 } from './nlvr2.js';
export type { AnswerVocab, LoadVqaOptions, VqaQuestion } from './vqa.js';
export { buildAnswerVocab, loadVqa, normalizeAnswer, vqaTargets } from './vqa.js';
