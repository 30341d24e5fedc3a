/**
 * `clarifai-secrets/emulator`: a local server that speaks Clarifai's secrets API, for
 * running apps and CI without an account, plus a test support layer (request log, fault
 * injection, store access) on the handle `startEmulator` returns.
 */
export { startEmulator } from './emulator.js';
export type { Emulator, EmulatorConnectionStats, EmulatorRelayedConnection } from './emulator.js';
export type { EmulatorOptions, EmulatorSecretSeed, EmulatorTlsFiles, SecretsScope } from './options.js';
export type { EmulatorSecret } from './store.js';
export type { RecordedRequest } from './request-log.js';
export type { AuthOutcome, PatsOption } from './auth.js';
export type {
  Fault,
  FaultKind,
  FaultMatch,
  ErrorFault,
  ThrottleFault,
  LatencyFault,
  DropFault,
  HangFault,
  RawFault,
  TruncateFault,
  TrickleFault,
  TransformFault,
} from './faults.js';
