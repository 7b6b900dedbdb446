import { fileURLToPath } from 'node:url';

/** Where the shipped replay fixture is: Binance public-data CSV files for 2024-01-01 00:00–00:15. */
export const REPLAY_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/replay/', import.meta.url));

/**
 * The shipped fixture (BTCUSDT, 2024-01-01 00:00–00:15) replayed into the model, against levels worked
 * out by hand from the CSV rows:
 *
 * - 00:00–00:05, 11 aggTrades: taker buys 6.0 BTC, taker sells 4.0 → long share 0.6;
 *   VWAP_A = Σp·q / Σq = 423107.78 / 10 = 42310.778. OI 70000 → 70010 at 00:05: ΔOI +10 opens 10·VWAP_A USD.
 * - 00:05–00:10, the price sweeps down to 42030.0 (bucket 42000): the 100x long level (LP 42055.89,
 *   bucket 42050) is liquidated, nothing else is reached. OI 70010 → 70005: every level × (1 − 5/70010).
 * - 00:10–00:15, 7 aggTrades: taker buys 1.0, sells 3.0 → long share 0.25; VWAP_C = 168709.29 / 4 = 42177.3225.
 *   OI 70005 → 70009 at 00:15: ΔOI +4 opens 4·VWAP_C USD.
 *
 * Liquidation price, tier 1 (MMR 0.4 %, cum 0): long EP·(1 − 1/L)/0.996, short EP·(1 + 1/L)/1.004;
 * bucket = floor(LP / 50)·50 (0.1 % of 42k snapped to 50). Tiers 5x 15 %, 10x 30 %, 25x 25 %, 50x 20 %, 100x 10 %.
 */
const VWAP_A = 42310.778;
const VWAP_C = 42177.3225;
const A_USD = 10 * VWAP_A;
const C_USD = 4 * VWAP_C;
const SHRINK = 1 - 5 / 70010;

// Hand-computed liquidation prices → buckets:
//   A long : 5x 33984.56→33950  10x 38232.63→38200  25x 40781.47→40750  50x 41631.09→41600  100x 42055.89→42050 (swept)
//   A short: 5x 50570.65→50550  10x 46356.43→46350  25x 43827.90→43800  50x 42985.05→42950  100x 42563.63→42550
//   C long : 5x 33877.37→33850  10x 38112.04→38100  25x 40652.84→40650  50x 41499.78→41450  100x 41923.24→41900
//   C short: 5x 50411.14→50400  10x 46210.21→46200  25x 43689.66→43650  50x 42849.47→42800  100x 42429.38→42400
export const EXPECTED_LEVELS = [
  { price: 33850, long: C_USD * 0.25 * 0.15, short: 0 },
  { price: 33950, long: A_USD * 0.6 * 0.15 * SHRINK, short: 0 },
  { price: 38100, long: C_USD * 0.25 * 0.3, short: 0 },
  { price: 38200, long: A_USD * 0.6 * 0.3 * SHRINK, short: 0 },
  { price: 40650, long: C_USD * 0.25 * 0.25, short: 0 },
  { price: 40750, long: A_USD * 0.6 * 0.25 * SHRINK, short: 0 },
  { price: 41450, long: C_USD * 0.25 * 0.2, short: 0 },
  { price: 41600, long: A_USD * 0.6 * 0.2 * SHRINK, short: 0 },
  { price: 41900, long: C_USD * 0.25 * 0.1, short: 0 },
  { price: 42400, long: 0, short: C_USD * 0.75 * 0.1 },
  { price: 42550, long: 0, short: A_USD * 0.4 * 0.1 * SHRINK },
  { price: 42800, long: 0, short: C_USD * 0.75 * 0.2 },
  { price: 42950, long: 0, short: A_USD * 0.4 * 0.2 * SHRINK },
  { price: 43650, long: 0, short: C_USD * 0.75 * 0.25 },
  { price: 43800, long: 0, short: A_USD * 0.4 * 0.25 * SHRINK },
  { price: 46200, long: 0, short: C_USD * 0.75 * 0.3 },
  { price: 46350, long: 0, short: A_USD * 0.4 * 0.3 * SHRINK },
  { price: 50400, long: 0, short: C_USD * 0.75 * 0.15 },
  { price: 50550, long: 0, short: A_USD * 0.4 * 0.15 * SHRINK },
];

/** BTCUSDT's last trade in the fixture (00:13:25.5); klines and ETH rows do not move the BTC price. */
export const LAST_PRICE = 42169.9;
