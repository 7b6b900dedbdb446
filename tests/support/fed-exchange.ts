import { FakeExchange } from './fake-exchange.js';

const MINUTE = 60_000;

/**
 * The fake exchange with 15 minutes of BTCUSDT history and a live feed every 50 ms (mark price
 * and a trade, so frames keep changing while the feed is healthy). `now` is the exchange's clock.
 */
export async function startFedExchange(options: { now?: () => number } = {}) {
  const exchange = await FakeExchange.start({ pingIntervalMs: 200 });
  const from = Date.now() - 15 * MINUTE;
  exchange.setKlines(
    'BTCUSDT',
    '1m',
    Array.from({ length: 15 }, (_, i) => ({
      openTime: Math.floor(from / MINUTE) * MINUTE + i * MINUTE,
      open: 100_000,
      high: 100_100,
      low: 99_900,
      close: 100_000 + i,
      volume: 10,
      quoteVolume: 10 * (100_000 + i),
      takerBuyVolume: 5,
    })),
  );
  exchange.setOpenInterest('BTCUSDT', 80_000);
  let tick = 0;
  const control = {
    exchange,
    feeding: true,
    now: options.now ?? (() => Date.now()),
    /** Env for startTestServer: the real server's live Binance source pointed at this exchange. */
    serverEnv: {
      MARKET_SOURCE: 'binance',
      SYMBOLS: 'BTCUSDT',
      BINANCE_WS_URL: exchange.wsBaseUrl,
      BINANCE_REST_URL: exchange.restBaseUrl,
      HISTORY_HOURS: '0.25',
      BINANCE_STALE_AFTER: '0.6',
      WS_UPDATE_INTERVAL: '0.1',
    },
    async close() {
      clearInterval(feeder);
      await exchange.close();
    },
  };
  const feeder = setInterval(() => {
    if (!control.feeding) return;
    tick++;
    const now = control.now();
    exchange.pushMarkPrice('BTCUSDT', { price: 100_000 + 50 * Math.sin(tick / 5) + tick, time: now });
    exchange.pushAggTrade('BTCUSDT', {
      id: tick,
      price: 100_000 + tick,
      qty: 0.01,
      buyerIsMaker: tick % 2 === 0,
      time: now,
    });
  }, 50);
  return control;
}
