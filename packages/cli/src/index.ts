// @vlp/cli: The `vlp` command: doctor, ingest, pretrain, eval, label, export, demo.

export type { DoctorReport } from './commands/doctor.js';
export { doctor, formatDoctor, registerDoctor } from './commands/doctor.js';
export { createProgram } from './program.js';
export { VERSION } from './version.js';
