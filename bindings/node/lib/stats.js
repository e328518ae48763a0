'use strict';
/**
 * Counts for tests (not part of the API; index.js exports them as the
 * hidden `_stats`): native machines created, freed by close(), freed by the
 * finalizer; evm_match_batch and evm_match_lines calls; the same for live machines;
 * `liveCallbacks` (a getter defined by live.js): koffi callbacks registered
 * now (0 or 1).
 */
const stats = {
  created: 0,
  closed: 0,
  finalized: 0,
  batchCalls: 0,
  linesCalls: 0,
  liveCreated: 0,
  liveClosed: 0,
  liveFinalized: 0,
  liveBatchCalls: 0,
};

module.exports = stats;
