/**
 * Takes docs/dashboard.png (npm run screenshot): the real server on the simulator (every exchange, a
 * day of history) and the dashboard in Chromium, two symbols side by side, all exchanges summed, with
 * the tooltip of a live cell broken down by exchange and leverage tier. Run it deliberately when the
 * dashboard's look changes; tests never write tracked files.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createLogger } from '../src/server/logger.js';
import { launchChromium } from '../tests/browser/chromium.js';
import { hoverUntilTooltip, tooltipText, waitForPaintedChart } from '../tests/browser/dashboard-page.js';
import { waitFor } from '../tests/client/wait.js';
import { ensureClientBuild } from './ensure-client-build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(root, 'docs', 'dashboard.png');

await ensureClientBuild();
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  SYMBOLS: 'BTCUSDT,ETHUSDT',
  HISTORY_HOURS: '24',
  LOG_LEVEL: 'warn',
  CLIENT_DIST: path.join(root, 'client', 'dist'),
});
const app = await startApp(config, createLogger(config.LOG_LEVEL));
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 820 } });
  await page.goto(`http://127.0.0.1:${app.port}/?symbols=BTCUSDT,ETHUSDT`);
  await Promise.all(['BTCUSDT', 'ETHUSDT'].map((symbol) => waitForPaintedChart(page, symbol)));
  await hoverUntilTooltip(page, 'BTCUSDT', /long \$[\d.]+[KMB]? · short/);
  await waitFor(async () => /by leverage/.test(await tooltipText(page, 'BTCUSDT')), 'the breakdown in the tooltip');
  await page.screenshot({ path: output });
  console.log(`wrote ${path.relative(root, output)}`);
} finally {
  await browser.close();
  await app.stop();
}
