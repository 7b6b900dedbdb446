import type { KlineCandle } from '../../src/market/events.js';
import type { FakeExchangeServer } from './fake-exchange-server.js';
import { FakeBybit } from './fake-bybit.js';
import { FakeExchange } from './fake-exchange.js';
import { FakeOkx } from './fake-okx.js';

const MINUTE = 60_000;
export type FedExchangeName = 'binance' | 'bybit' | 'okx';

/** 15 one-minute BTCUSDT candles up to now around 100,000. */
function recentCandles(): KlineCandle[] {
  const from = Date.now() - 15 * MINUTE;
  return Array.from({ length: 15 }, (_, i) => ({
    openTime: Math.floor(from / MINUTE) * MINUTE + i * MINUTE,
    open: 100_000,
    high: 100_100,
    low: 99_900,
    close: 100_000 + i,
    volume: 10,
    quoteVolume: 10 * (100_000 + i),
    takerBuyVolume: 5,
  }));
}

/** What a test controls of a fed exchange, whichever it is. */
export interface FedExchange<E extends FakeExchangeServer = FakeExchangeServer> {
  exchange: E;
  /** While false, the live feed pauses. */
  feeding: boolean;
  /** The exchange's clock. */
  now: () => number;
  /** Env for startTestServer: the real server's live source of this exchange pointed at the fake. */
  serverEnv: Record<string, string>;
  /** Sends one BTCUSDT mark price in the exchange's own format. */
  pushMark(price: number, time: number): void;
  close(): Promise<void>;
}

/** Shared env: 15 minutes of history, a fast stall limit and publisher tick. */
const COMMON_ENV = { SYMBOLS: 'BTCUSDT', HISTORY_HOURS: '0.25', WS_UPDATE_INTERVAL: '0.1' };

/**
 * A fake exchange with 15 minutes of BTCUSDT history and a live feed every 50 ms (mark price and a
 * trade, so frames keep changing while the feed is healthy). `now` is the exchange's clock.
 */
async function feed<E extends FakeExchangeServer>(
  exchange: E,
  serverEnv: Record<string, string>,
  pushMark: (price: number, time: number) => void,
  pushTrade: (tick: number, time: number) => void,
  options: { now?: () => number },
): Promise<FedExchange<E>> {
  let tick = 0;
  const control: FedExchange<E> = {
    exchange,
    feeding: true,
    now: options.now ?? (() => Date.now()),
    serverEnv: { ...COMMON_ENV, ...serverEnv },
    pushMark,
    async close() {
      clearInterval(feeder);
      await exchange.close();
    },
  };
  const feeder = setInterval(() => {
    if (!control.feeding) return;
    tick++;
    const now = control.now();
    pushMark(100_000 + 50 * Math.sin(tick / 5) + tick, now);
    pushTrade(tick, now);
  }, 50);
  return control;
}

/** The Binance fake, fed (see `feed`); open interest is polled at 80,000 BTC. */
export async function startFedExchange(options: { now?: () => number } = {}): Promise<FedExchange<FakeExchange>> {
  const exchange = await FakeExchange.start({ pingIntervalMs: 200 });
  exchange.setKlines('BTCUSDT', '1m', recentCandles());
  exchange.setOpenInterest('BTCUSDT', 80_000);
  return feed(
    exchange,
    {
      MARKET_SOURCE: 'live',
      EXCHANGES: 'binance',
      BINANCE_WS_URL: exchange.wsBaseUrl,
      BINANCE_REST_URL: exchange.restBaseUrl,
      BINANCE_STALE_AFTER: '0.6',
    },
    (price, time) => exchange.pushMarkPrice('BTCUSDT', { price, time }),
    (tick, time) =>
      exchange.pushAggTrade('BTCUSDT', {
        id: tick,
        price: 100_000 + tick,
        qty: 0.01,
        buyerIsMaker: tick % 2 === 0,
        time,
      }),
    options,
  );
}

/** The Bybit fake, fed (see `feed`); open interest rises in every ticker delta. */
export async function startFedBybit(options: { now?: () => number } = {}): Promise<FedExchange<FakeBybit>> {
  const exchange = await FakeBybit.start();
  exchange.listInstrument('BTCUSDT');
  exchange.setKlines('BTCUSDT', '1', recentCandles());
  exchange.setRiskLimits('BTCUSDT', [
    {
      riskLimitValue: '2000000',
      maintenanceMargin: '0.005',
      initialMargin: '0.01',
      maxLeverage: '100',
      mmDeduction: '',
    },
  ]);
  return feed(
    exchange,
    {
      MARKET_SOURCE: 'live',
      EXCHANGES: 'bybit',
      BYBIT_WS_URL: exchange.wsUrl,
      BYBIT_REST_URL: exchange.restBaseUrl,
      BYBIT_STALE_AFTER: '0.6',
    },
    (price, time) => exchange.pushTicker('BTCUSDT', 'delta', time, { markPrice: price }),
    (tick, time) => {
      exchange.pushTrades('BTCUSDT', [{ price: 100_000 + tick, qty: 0.01, side: tick % 2 ? 'Buy' : 'Sell', time }]);
      exchange.pushTicker('BTCUSDT', 'delta', time, { openInterest: 160_000 + tick });
    },
    options,
  );
}

/** The OKX fake, fed (see `feed`); open interest rises with every trade. */
export async function startFedOkx(options: { now?: () => number } = {}): Promise<FedExchange<FakeOkx>> {
  const exchange = await FakeOkx.start();
  const instId = 'BTC-USDT-SWAP';
  exchange.listSwap({ instId, ctVal: 0.01 });
  exchange.setTiers('BTC-USDT', [{ maxSz: '50000', mmr: '0.004', imr: '0.008', maxLever: '125' }]);
  exchange.setCandles(instId, '1m', recentCandles());
  return feed(
    exchange,
    {
      MARKET_SOURCE: 'live',
      EXCHANGES: 'okx',
      OKX_WS_URL: exchange.wsUrl,
      OKX_WS_BUSINESS_URL: exchange.wsBusinessUrl,
      OKX_REST_URL: exchange.restBaseUrl,
      OKX_STALE_AFTER: '0.6',
    },
    (price, time) => exchange.pushMarkPrice(instId, { price, time }),
    (tick, time) => {
      exchange.pushTrades(instId, [{ price: 100_000 + tick, contracts: 1, side: tick % 2 ? 'buy' : 'sell', time }]);
      exchange.pushOpenInterest(instId, { contracts: 8_000_000 + tick, ctVal: 0.01, price: 100_000, time });
    },
    options,
  );
}

export const FED_EXCHANGES: Record<FedExchangeName, (options?: { now?: () => number }) => Promise<FedExchange>> = {
  binance: startFedExchange,
  bybit: startFedBybit,
  okx: startFedOkx,
};
