/**
 * Nothing we start outlives us: the cleanup registry (stoppers run on exit, on an error, on a
 * signal) and the tracked spawn/exec that use it. Self-contained (node: modules only), so it can
 * move with the n8n host.
 */
export { onCleanup, runCleanup, runMain } from './registry';
export { execTracked, spawnTracked, type Tracked, type TrackOptions } from './spawn';
