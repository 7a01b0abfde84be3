/** The version of the CLI and the language server: package.json's, so a release bumps one place. */
export { version as VERSION } from '../../package.json';
