/**
 * Every command but `run`, for the bin to load in one piece: the build makes this its own
 * bundle, so that `run`, which starts apps, loads none of their code.
 */
import type { Command, CommandName } from './command.js';
import { get } from './get.js';
import { list } from './list.js';
import { create, update } from './write.js';
import { remove } from './delete.js';
import { push } from './push.js';
import { pull } from './pull.js';
import { types } from './types.js';
import { doctor } from './doctor.js';
import { emulator } from './emulator-command.js';

export const commands = {
  get,
  list,
  create,
  update,
  delete: remove,
  push,
  pull,
  types,
  doctor,
  emulator,
} satisfies Record<Exclude<CommandName, 'run'>, Command>;
