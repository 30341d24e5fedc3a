/**
 * Every command but `run`, for the bin to load in one piece: the build makes this its own
 * bundle, so that `run`, which starts apps, loads none of their code.
 */
export * as get from './get.js';
export * as list from './list.js';
export { create, update } from './write.js';
export * as remove from './delete.js';
export * as push from './push.js';
export * as pull from './pull.js';
export * as types from './types.js';
export * as doctor from './doctor.js';
export { emulatorCommand } from './emulator-command.js';
