/** What a config does, in words: the describer and its renderers (pure). */
export * from './explain';
export * from './render';
export * from './text';
