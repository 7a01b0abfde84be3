/** The CLI's version: package.json's, so a release bumps one place. */
export { version as VERSION } from '../../../package.json';
