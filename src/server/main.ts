import { argsToEnv, ConfigError, helpText, loadConfig, oneLine } from './config.js';
import { ListenError, startApp } from './app.js';
import { createLogger } from './logger.js';

/**
 * `npm start [-- options]`: validates config, starts, and shuts down cleanly on SIGTERM/SIGINT.
 * Exit codes (docs/operations.md): 2 a bad setting, 3 the port cannot be opened, each with one line
 * on stderr and before anything listens; 1 anything else.
 */
async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  let config;
  try {
    config = loadConfig({ ...process.env, ...argsToEnv(argv) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(oneLine(`Configuration error: ${error.message}`));
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  process.on('unhandledRejection', (reason) => logger.error({ event: 'unhandled_rejection', err: String(reason) }));
  const app = await startApp(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal });
    app.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ event: 'shutdown_failed', err: error.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: Error) => {
  if (error instanceof ListenError) {
    console.error(oneLine(`Cannot listen: ${error.message}`));
    process.exit(3);
  }
  // A bug: the stack helps, one line at a time, control characters escaped like any other error line.
  console.error(`Fatal: ${(error.stack ?? error.message).split('\n').map(oneLine).join('\n')}`);
  process.exit(1);
});
