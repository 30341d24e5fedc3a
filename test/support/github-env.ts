/**
 * GitHub's own rules, for tests that check what reaches a workflow's later steps:
 * how the runner reads the GITHUB_ENV file after a step (Linux), and which workflow commands
 * a step printed. Written from the runner's documented behaviour, independently of src/.
 */

/** The runner's reading of a GITHUB_ENV file: `NAME=VALUE` lines and `NAME<<DELIMITER` blocks. */
export function parseGithubEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let index = 0;
  let newline = 0;
  const readLine = (): string | null => {
    if (index >= text.length) return null;
    const start = index;
    const lf = text.indexOf('\n', index);
    if (lf < 0) {
      index = text.length;
      newline = 0;
      return text.slice(start);
    }
    index = lf + 1;
    newline = 1;
    return text.slice(start, lf);
  };
  for (let line = readLine(); line !== null; line = readLine()) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!name || !delimiter) throw new Error(`Invalid environment variable format '${line}'`);
      const start = index;
      let end = index;
      for (let value = readLine(); value !== delimiter; value = readLine()) {
        if (value === null) throw new Error(`Matching delimiter not found '${delimiter}'`);
        end = index - newline;
      }
      out[name] = end > start ? text.slice(start, end) : '';
    } else {
      throw new Error(`Invalid environment variable format '${line}'`);
    }
  }
  return out;
}

/** The strings a step registered with `::add-mask::`, unescaped as the runner does. */
export function maskedStrings(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length).replaceAll('%0A', '\n').replaceAll('%0D', '\r').replaceAll('%25', '%'));
}
