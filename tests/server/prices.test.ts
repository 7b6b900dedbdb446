import { afterAll, describe, expect, it } from 'vitest';
import { startFedExchange } from '../support/fed-exchange.js';
import { FRAME_FIELDS, httpQuery, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Decimal places a number prints with (as JSON prints it): 2829.5910000000003 → 13. */
function printedDecimals(value: number): number {
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/** Prices in `values` that are off the tick's grid or print with more decimals than the tick. */
function offTick(values: number[], tick: number): number[] {
  return values.filter((price) => {
    const ticks = price / tick;
    return Math.abs(ticks - Math.round(ticks)) > 1e-6 || printedDecimals(price) > printedDecimals(tick);
  });
}

const notCents = (values: number[]): number[] => values.filter((usd) => printedDecimals(usd) > 2);

const HEATMAP_PRICES = `heatmap(symbol: $symbol, window: H12) {
  currentPrice priceMin rowStep cells candles { open high low close } liquidations { price usd }
}`;

interface HeatmapPrices {
  currentPrice: number;
  priceMin: number;
  rowStep: number;
  cells: number[][];
  candles: Array<{ open: number; high: number; low: number; close: number }>;
  liquidations: Array<{ price: number; usd: number }>;
}

function framePrices(frame: Frame): number[] {
  const candle = frame.candle ? [frame.candle.open, frame.candle.high, frame.candle.low, frame.candle.close] : [];
  return [frame.currentPrice, frame.priceStep, ...frame.levels.map((level) => level.price), ...candle];
}

function heatmapPrices(heatmap: HeatmapPrices): number[] {
  return [
    heatmap.currentPrice,
    heatmap.priceMin,
    heatmap.rowStep,
    ...heatmap.candles.flatMap((c) => [c.open, c.high, c.low, c.close]),
    ...heatmap.liquidations.map((marker) => marker.price),
  ];
}

const servers: TestServer[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await Promise.all(closers.map((close) => close()));
});

describe('prices served on the tick', () => {
  it('simulator: symbols, snapshots, heatmaps and subscription frames carry only on-tick prices and USD in cents', async () => {
    const server = await startTestServer({ SYMBOLS: 'BTCUSDT,ETHUSDT,SOLUSDT', HISTORY_HOURS: '1' });
    servers.push(server);
    const { body } = await httpQuery<{ symbols: Array<{ symbol: string; tickSize: number; currentPrice: number }> }>(
      server.httpUrl,
      '{ symbols { symbol tickSize currentPrice } }',
    );
    const ticks = Object.fromEntries(body.data!.symbols.map((s) => [s.symbol, s.tickSize]));
    // Binance USDⓈ-M's ticks for the default symbols (docs/architecture.md).
    expect(ticks).toEqual({ BTCUSDT: 0.1, ETHUSDT: 0.01, SOLUSDT: 0.01 });

    for (const { symbol, tickSize, currentPrice } of body.data!.symbols) {
      expect(offTick([currentPrice], tickSize)).toEqual([]);
      const { body: answer } = await httpQuery<{ snapshot: Frame; heatmap: HeatmapPrices }>(
        server.httpUrl,
        `query ($symbol: String!) { snapshot(symbol: $symbol) { ${FRAME_FIELDS} } ${HEATMAP_PRICES} }`,
        { symbol },
      );
      expect(answer.errors).toBeUndefined();
      const { snapshot, heatmap } = answer.data!;
      expect(snapshot.levels.length).toBeGreaterThan(0);
      expect(heatmap.candles.length).toBeGreaterThan(0);
      expect(offTick([...framePrices(snapshot), ...heatmapPrices(heatmap)], tickSize)).toEqual([]);
      expect(
        notCents([
          ...snapshot.levels.flatMap((level) => [level.long, level.short]),
          ...heatmap.cells.flatMap(([, , long, short]) => [long!, short!]),
          ...heatmap.liquidations.map((marker) => marker.usd),
        ]),
      ).toEqual([]);
    }

    const client = wsClient(server.wsUrl);
    const sub = record(client, `subscription ($s: [String!]!) { heatmapUpdated(symbols: $s) { ${FRAME_FIELDS} } }`, {
      s: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    });
    await sub.until(() => sub.results.length >= 6);
    for (const { data } of sub.results) {
      const frame = data!.heatmapUpdated;
      expect(offTick(framePrices(frame), ticks[frame.symbol]!)).toEqual([]);
    }
    sub.unsubscribe();
    await client.dispose();
  });

  it('live Binance: the tick comes from exchangeInfo, and prices between ticks (force-order averages) are served on it', async () => {
    const fed = await startFedExchange();
    closers.push(() => fed.close());
    // A tick no shipped table has: only exchangeInfo can have told the server.
    fed.exchange.setTickSize('BTCUSDT', '0.50');
    const server = await startTestServer(fed.serverEnv);
    servers.push(server);
    expect(fed.exchange.requests('/fapi/v1/exchangeInfo')).toHaveLength(1);

    const symbols = await httpQuery<{ symbols: Array<{ tickSize: number }> }>(
      server.httpUrl,
      '{ symbols { tickSize } }',
    );
    expect(symbols.body.data!.symbols).toEqual([{ tickSize: 0.5 }]);

    await expect
      .poll(async () => {
        fed.exchange.pushForceOrder('BTCUSDT', {
          side: 'SELL',
          price: 99_990,
          averagePrice: 100_000.37,
          qty: 0.0123,
          time: Date.now(),
        });
        const { body } = await httpQuery<{ heatmap: HeatmapPrices }>(
          server.httpUrl,
          `query ($symbol: String!) { ${HEATMAP_PRICES} }`,
          { symbol: 'BTCUSDT' },
        );
        return body.data?.heatmap.liquidations[0];
      })
      // 100_000.37 → 100_000.5 on a 0.50 tick; 100_000.37 × 0.0123 = 1230.004551 USD → cents.
      .toEqual({ price: 100_000.5, usd: 1230 });

    const { body } = await httpQuery<{ snapshot: Frame; heatmap: HeatmapPrices }>(
      server.httpUrl,
      `query ($symbol: String!) { snapshot(symbol: $symbol) { ${FRAME_FIELDS} } ${HEATMAP_PRICES} }`,
      { symbol: 'BTCUSDT' },
    );
    expect(offTick([...framePrices(body.data!.snapshot), ...heatmapPrices(body.data!.heatmap)], 0.5)).toEqual([]);
  });
});
