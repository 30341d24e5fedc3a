/** How a command gets its client: one way for every command that talks to the API. */
import { type SecretsClient, clientFor } from '../api/client.js';
import { type Config, type LoadOptions, resolveConfig } from '../settings/config.js';
import { connectionOptions } from './args.js';

/**
 * A command's settings, from its connection flags and the options it adds, and its client
 * over them. Resolved once: what the command checks and prints (the token, the user, the
 * selection) is what its client uses.
 */
export function commandClient(flags: Parameters<typeof connectionOptions>[0], extra: LoadOptions = {}): { config: Config; client: SecretsClient } {
  const config = resolveConfig({ ...connectionOptions(flags), ...extra });
  return { config, client: clientFor(config) };
}
