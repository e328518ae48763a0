// ESM entry point: the CommonJS module's exports, also as named exports.
import evmatch from './index.js';

export const { Machine, LiveMachine, PatternError, EventError, version, libraryPath } = evmatch;
export default evmatch;
