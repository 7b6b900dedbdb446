import type { SourceHealth } from '../market/source.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'starting';
  live: true;
  ready: boolean;
  reasons: string[];
  source: SourceHealth;
  symbolsWithFrames: string[];
  websocket: { enabled: boolean; connections: number };
  uptimeSeconds: number;
}

/** Liveness is the process answering; readiness is having a frame for every symbol. Degraded says why. */
export function healthReport(input: {
  source: SourceHealth;
  symbols: readonly string[];
  hasFrame: (symbol: string) => boolean;
  websocket: { enabled: boolean; connections: number };
  startedAt: number;
  extraReasons?: string[];
}): HealthReport {
  const symbolsWithFrames = input.symbols.filter(input.hasFrame);
  const ready = symbolsWithFrames.length === input.symbols.length;
  const reasons = [...(input.extraReasons ?? [])];
  if (input.source.state !== 'live') reasons.push(`market source ${input.source.state}${input.source.detail ? `: ${input.source.detail}` : ''}`);
  if (!ready) reasons.push(`waiting for first frames (${symbolsWithFrames.length}/${input.symbols.length} symbols)`);
  return {
    status: !ready ? 'starting' : reasons.length > 0 ? 'degraded' : 'ok',
    live: true,
    ready,
    reasons,
    source: input.source,
    symbolsWithFrames,
    websocket: input.websocket,
    uptimeSeconds: Math.round((Date.now() - input.startedAt) / 1000),
  };
}
