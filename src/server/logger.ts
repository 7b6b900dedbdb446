import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout (one event per line, `event` names the kind). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'liquidation-heatmap' }, timestamp: pino.stdTimeFunctions.isoTime });
}
