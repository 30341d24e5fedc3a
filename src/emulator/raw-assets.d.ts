// `import text from './file?raw'`: the file's content as a string. Vitest reads this suffix
// natively; the build inlines the file through a small esbuild plugin in tsup.config.ts.
declare module '*?raw' {
  const text: string;
  export default text;
}
