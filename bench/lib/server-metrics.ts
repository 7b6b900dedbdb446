/** Reads the server's own figures from its Prometheus endpoint (process CPU, RSS, event-loop delay). */
export interface ServerSample {
  cpuSeconds: number;
  rssBytes: number;
  eventLoopP99Seconds: number;
}

export async function scrapeServer(metricsUrl: string): Promise<ServerSample | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const value = (name: string) =>
      Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? NaN);
    return {
      cpuSeconds: value('process_cpu_seconds_total'),
      rssBytes: value('process_resident_memory_bytes'),
      eventLoopP99Seconds: value('nodejs_eventloop_lag_p99_seconds'),
    };
  } catch {
    return null;
  }
}

/** The server's figures over a measured window. */
export interface ServerFigures {
  cpuSeconds: number;
  rssMaxBytes: number;
  eventLoopP99MaxSeconds: number;
}

/** Measures the server while a load run lasts. */
export interface ServerProbe {
  start(): void;
  stop(): Promise<ServerFigures | null>;
}

/** A probe reading /metrics once a second: CPU used over the window and the peaks. */
export function metricsProbe(metricsUrl: string): ServerProbe {
  const samples: ServerSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let first: Promise<ServerSample | null> = Promise.resolve(null);
  return {
    start() {
      first = scrapeServer(metricsUrl);
      timer = setInterval(() => void scrapeServer(metricsUrl).then((s) => s && samples.push(s)), 1000);
    },
    async stop() {
      clearInterval(timer);
      const start = await first;
      const end = await scrapeServer(metricsUrl);
      if (!start || !end) return null;
      samples.push(end);
      return {
        cpuSeconds: end.cpuSeconds - start.cpuSeconds,
        rssMaxBytes: Math.max(...samples.map((s) => s.rssBytes)),
        eventLoopP99MaxSeconds: Math.max(...samples.map((s) => s.eventLoopP99Seconds)),
      };
    },
  };
}
