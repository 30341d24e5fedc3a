/**
 * The node binaries the e2e preload tests run on: the one running the tests, plus those
 * named in CLARIFAI_SECRETS_TEST_NODES (paths separated by ':'; .ci/run installs Node 22 and
 * 24 and sets it). A path that is named but does not run fails the tests: CI must not pass
 * by testing less.
 */
import { execFileSync } from 'node:child_process';

export interface NodeBinary {
  bin: string;
  /** `v22.12.0` */
  version: string;
  major: number;
}

function describeBinary(bin: string): NodeBinary {
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  return { bin, version, major: Number(/^v(\d+)/.exec(version)?.[1]) };
}

export const EXTRA_NODES_VAR = 'CLARIFAI_SECRETS_TEST_NODES';

const extra = (process.env[EXTRA_NODES_VAR] ?? '').split(':').filter((path) => path !== '');

export const NODES: NodeBinary[] = [describeBinary(process.execPath), ...extra.map(describeBinary)];

/** True when no other node binary was given: the tests that would run on them say so as a skipped test. */
export const ONLY_THIS_NODE = extra.length === 0;
