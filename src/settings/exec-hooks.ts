/**
 * Env names that make a process, or a program it starts, run code, load a program or trust
 * another party of the value's choosing. A secret store is one more party that writes the
 * environment of every child (`run -- git status`, a build, a shell, an editor `git commit`
 * opens), so these are never set from a secret unless the user maps one on purpose with
 * `NAME=ID` in the environment, an option or a flag (never from a `.env` file).
 *
 * Kept as families, each with the reason its names run code: a family's prefix covers the
 * names its tool adds later (cargo's `CARGO_TARGET_<triple>_RUNNER`, cmake's
 * `CMAKE_<LANG>_COMPILER_LAUNCHER`), so the guard does not grow by finding. Compared
 * upper-case (Windows compares env names without case; `npm_config_*` is `NPM_CONFIG_*`).
 * The security guide lists the families (docs/security.md).
 */

export interface HookFamily {
  /** How a name of this family makes something run code or trust another party. */
  reason: string;
  names?: readonly string[];
  /** Every name starting with one of these, upper-case. */
  prefixes?: readonly string[];
}

export const EXEC_HOOK_FAMILIES: Readonly<Record<string, HookFamily>> = {
  shell: {
    reason: 'the shell reads them at start: a file to source (ENV, BASH_ENV), exported functions, prompts that run commands, where programs are found',
    names: [
      'PATH', 'PATHEXT', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'TMPDIR', 'TEMP', 'TMP', 'IFS', 'ENV', 'BASH_ENV', 'SHELLOPTS',
      'BASHOPTS', 'PS0', 'PS1', 'PS2', 'PS3', 'PS4', 'PROMPT_COMMAND', 'ZDOTDIR', 'FPATH', 'INPUTRC', 'CDPATH', 'COMSPEC',
      'SYSTEMROOT', 'WINDIR', 'PSMODULEPATH',
    ],
    prefixes: ['BASH_FUNC_'],
  },
  'dynamic loader and C library': {
    reason: 'the loader maps a library into every program it starts (LD_PRELOAD), glibc loads converters and locale data from these paths',
    names: ['GCONV_PATH', 'GLIBC_TUNABLES', 'LOCPATH', 'NLSPATH', 'HOSTALIASES', 'RES_OPTIONS', 'LOCALDOMAIN'],
    prefixes: ['LD_', 'DYLD_'],
  },
  editors: {
    reason: 'git, sudo, crontab and others start $EDITOR; vim and ex run VIMINIT/EXINIT as commands at start',
    names: ['EDITOR', 'VISUAL', 'SUDO_EDITOR', 'VIMINIT', 'GVIMINIT', 'EXINIT', 'MYVIMRC', 'VIMRUNTIME'],
  },
  'pagers and helpers': {
    reason: 'man, git, less and systemd start these programs, or less runs them as input filters',
    names: [
      'PAGER', 'MANPAGER', 'MANOPT', 'SYSTEMD_PAGER', 'LESS', 'LESSOPEN', 'LESSCLOSE', 'LESSKEY', 'LESSKEYIN', 'BROWSER',
      'SUDO_ASKPASS', 'TERMINAL',
    ],
  },
  git: {
    reason: 'GIT_CONFIG_* and GIT_DIR set any configuration (core.fsmonitor, hooks, aliases run commands); GIT_SSH, GIT_ASKPASS, GIT_EDITOR, GIT_PAGER run programs',
    prefixes: ['GIT_'],
  },
  'ssh and remote shells': {
    reason: 'ssh runs its askpass program; rsync and cvs run RSYNC_RSH/CVS_RSH as the remote shell; the agent socket signs as the user',
    names: ['SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', 'SSH_AUTH_SOCK', 'RSYNC_RSH', 'RSYNC_CONNECT_PROG', 'CVS_RSH', 'HG', 'HGRCPATH'],
  },
  make: {
    reason: 'make reads its flags from these (--eval=$(shell ...) runs a command) and MAKEFILES are read before the makefile',
    names: ['MAKEFLAGS', 'GNUMAKEFLAGS', 'MFLAGS', 'MAKEFILES', 'MAKESHELL'],
  },
  'compilers and C builds': {
    reason: 'build tools start the compiler these name, and compiler flags load plugins (-fplugin) or other toolchains',
    names: [
      'CC', 'CXX', 'CPP', 'LD', 'AR', 'AS', 'FC', 'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS', 'COMPILER_PATH',
      'GCC_EXEC_PREFIX', 'LIBRARY_PATH', 'CPATH', 'C_INCLUDE_PATH', 'CPLUS_INCLUDE_PATH',
    ],
    prefixes: ['CMAKE_', 'CGO_', 'CCACHE_', 'PKG_CONFIG'],
  },
  'cargo and rustc': {
    reason: 'cargo runs the wrappers, runners, linkers and rustc these name (CARGO_BUILD_RUSTC_WRAPPER, CARGO_TARGET_<triple>_RUNNER); rustup picks the toolchain',
    names: ['RUSTFLAGS'],
    prefixes: ['CARGO_', 'RUSTC', 'RUSTDOC', 'RUSTUP_'],
  },
  Go: {
    reason: 'go downloads and runs the toolchain and modules these choose, and GOFLAGS adds flags (-toolexec runs a program)',
    names: [
      'GOFLAGS', 'GOTOOLCHAIN', 'GOENV', 'GOPROXY', 'GONOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOINSECURE', 'GOPRIVATE', 'GOEXPERIMENT',
      'GOROOT', 'GOPATH', 'GOBIN', 'GOCACHE', 'GOMODCACHE', 'GOWORK', 'GOVCS',
    ],
  },
  'Node.js and its package managers': {
    reason: 'NODE_OPTIONS (--import, --require) runs code in every node process; npm runs scripts through npm_config_script_shell and installs from the registry these name',
    names: [
      'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_REPL_EXTERNAL_MODULE',
      'NODE_USE_ENV_PROXY', 'NODE_ICU_DATA', 'NODE_V8_COVERAGE', 'NODE_COMPILE_CACHE', 'ELECTRON_RUN_AS_NODE',
    ],
    prefixes: ['NPM_CONFIG_', 'YARN_', 'COREPACK_', 'PNPM_', 'BUN_'],
  },
  'Python and its package managers': {
    reason: 'PYTHONPATH and PYTHONSTARTUP load code into every interpreter; pip and uv install from the index, proxy and config these name',
    prefixes: ['PYTHON', 'PIP_', 'UV_'],
  },
  'Perl, Ruby, PHP, Lua, R, Tcl': {
    reason: 'each interpreter loads the modules, libraries or start-up files these name (PERL5OPT=-M, RUBYOPT=-r, LUA_INIT)',
    names: ['GEM_HOME', 'GEM_PATH', 'PHPRC', 'PHP_INI_SCAN_DIR', 'R_PROFILE', 'R_PROFILE_USER', 'R_ENVIRON', 'R_ENVIRON_USER', 'TCLLIBPATH'],
    prefixes: ['PERL', 'RUBY', 'BUNDLE_', 'LUA_', 'R_LIBS'],
  },
  'the JVM and its builds': {
    reason: 'the JVM reads options from these at start (-javaagent loads code) and builds run with the options they add',
    names: ['JDK_JAVA_OPTIONS', '_JAVA_OPTIONS', 'CLASSPATH', 'MAVEN_OPTS', 'MAVEN_ARGS', 'GRADLE_OPTS', 'GRADLE_USER_HOME', 'SBT_OPTS', 'ANT_OPTS'],
    prefixes: ['JAVA_'],
  },
  '.NET': {
    reason: 'the runtime loads startup hooks, dependency files and profilers these name',
    prefixes: ['DOTNET_', 'CORECLR_', 'COR_', 'COMPLUS_'],
  },
  'TLS and proxies': {
    reason: 'these make clients trust another certificate authority, send traffic through another host, or write session keys to a file',
    names: [
      'SSL_CERT_FILE', 'SSL_CERT_DIR', 'SSLKEYLOGFILE', 'OPENSSL_CONF', 'OPENSSL_ENGINES', 'OPENSSL_MODULES', 'REQUESTS_CA_BUNDLE',
      'CURL_CA_BUNDLE', 'CURL_HOME', 'WGETRC', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'FTP_PROXY', 'AWS_CA_BUNDLE',
    ],
  },
  'configuration homes': {
    reason: 'programs read their configuration from these folders and files, and such configuration runs commands (git core.fsmonitor under XDG_CONFIG_HOME, AWS credential_process, kubeconfig exec plugins, docker credential helpers)',
    names: [
      'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'KUBECONFIG', 'DOCKER_HOST', 'DOCKER_CONFIG', 'CLOUDSDK_CONFIG',
      'AZURE_CONFIG_DIR', 'GNUPGHOME',
    ],
    prefixes: ['XDG_'],
  },
  'CI runners': {
    reason: "GitHub Actions reads these from $GITHUB_ENV for later steps (ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables ::set-env) and names its own files with them (GITHUB_ENV, GITHUB_PATH)",
    prefixes: ['ACTIONS_', 'RUNNER_', 'GITHUB_'],
  },
  'this package': {
    reason: 'a secret must not swap the token, the API base or the settings of a later load',
    prefixes: ['CLARIFAI_'],
  },
};

const NAMES = new Set(Object.values(EXEC_HOOK_FAMILIES).flatMap((family) => family.names ?? []));
const PREFIXES = Object.values(EXEC_HOOK_FAMILIES).flatMap((family) => family.prefixes ?? []);

/** Whether `name` belongs to an exec-hook family. */
export function isExecHookName(name: string): boolean {
  const upper = name.toUpperCase();
  return NAMES.has(upper) || PREFIXES.some((prefix) => upper.startsWith(prefix));
}


const CI_RUNNER = EXEC_HOOK_FAMILIES['CI runners']?.prefixes ?? [];

/** Whether `name` is one of the CI runner's own (`pull --format github` never writes one). */
export function isCiRunnerName(name: string): boolean {
  const upper = name.toUpperCase();
  return CI_RUNNER.some((prefix) => upper.startsWith(prefix));
}
