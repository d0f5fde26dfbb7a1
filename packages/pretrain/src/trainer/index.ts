// Barrel for src/trainer: AdamW, schedule and clipping, the data contract, and the resumable Trainer.
export type { AdamWOptions } from './adamw.js';
export { AdamW, defaultDecayRule } from './adamw.js';
export type { ResumableData } from './data.js';
export { mapData } from './data.js';
export type { CosineSchedule } from './schedule.js';
export { clipByGlobalNorm, cosineWithWarmup } from './schedule.js';
export type {
  CheckpointEvent,
  DoneEvent,
  EvalEvent,
  LossOutput,
  NonFiniteEvent,
  StepEvent,
  TensorState,
  TrainerEvents,
  TrainerOptions,
} from './trainer.js';
export { Trainer } from './trainer.js';
