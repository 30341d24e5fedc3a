declare const __VERSION__: string | undefined;

/** The package version, inlined by the build; sources run by tests report a dev version. */
export const VERSION: string = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';
