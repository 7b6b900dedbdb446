import { ensureClientBuild } from '../../scripts/ensure-client-build.js';

/**
 * Runs once per `vitest run`, before any test file: the browser tests serve client/dist, and
 * building it here (not in each browser test file) means two test workers never race to write it
 * on a clean clone. A no-op when client/dist is newer than its sources.
 */
export default async function setup(): Promise<void> {
  await ensureClientBuild();
}
