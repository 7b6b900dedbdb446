import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The shipped replay fixture: Binance archive CSVs of BTCUSDT and ETHUSDT, 2024-01-01 00:00–00:15. */
export const REPLAY_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/replay/', import.meta.url));

export const replayFixture = (name: string) => readFile(`${REPLAY_FIXTURE_DIR}${name}`, 'utf8');

/** BTCUSDT's last trade in the fixture (00:13:25.5); klines and ETH rows do not move the BTC price. */
export const LAST_PRICE = 42169.9;

/** The mark price stayed at or above this while the last price wicked to 42,030.0 at 00:07. */
export const MARK_FLOOR = 42_100;

/**
 * BTCUSDT mark-price klines for the fixture's 15 minutes, as the archive's markPriceKlines (headerless,
 * volume columns 0): each kline's prices with the mark floor applied.
 */
export async function btcMarkPriceKlines(): Promise<string> {
  const klines = (await replayFixture('BTCUSDT-1m-2024-01-01.csv')).trim().split('\n').slice(1);
  return klines
    .map((line) => {
      const [openTime, open, high, low, close, , closeTime] = line.split(',');
      const mark = (price: string | undefined) => Math.max(Number(price), MARK_FLOOR).toFixed(1);
      return [openTime, mark(open), mark(high), mark(low), mark(close), '0', closeTime, '0', '60', '0', '0', '0'].join(
        ',',
      );
    })
    .join('\n');
}

/**
 * BTCUSDT levels after the fixture, computed by hand from its rows (default tiers 5x 15 %, 10x 30 %,
 * 25x 25 %, 50x 20 %, 100x 10 %; tier 1, MMR 0.4 %, cum 0: long LP = EP·(1 − 1/L)/0.996, short
 * EP·(1 + 1/L)/1.004; bucket = floor(LP / 50)·50, 0.1 % of 42k snapped to 50):
 *
 * - 00:00–00:05, 11 aggTrades: taker buys 6.0 BTC, taker sells 4.0 → long share 0.6;
 *   VWAP_A = Σp·q / Σq = 423107.78 / 10 = 42310.778. OI 70000 → 70010 at 00:05: ΔOI +10 opens 10·VWAP_A USD.
 * - 00:05–00:10: the last price wicks to 42030.0 (bucket 42000) at 00:07.
 *   - Liquidating on trades, the A 100x long (LP 42055.89, bucket 42050, 0.6 BTC) is swept. OI 70010 → 70005
 *     at 00:10: the sweep explains 0.6 of the 5 BTC, the survivors × 70005 / (70010 − 0.6).
 *   - Liquidating on mark prices (never below 42100, bucket 42100), nothing is swept: every level × 70005/70010.
 * - 00:10–00:15, 7 aggTrades: taker buys 1.0, sells 3.0 → long share 0.25; VWAP_C = 168709.29 / 4 = 42177.3225.
 *   OI 70005 → 70009 at 00:15: ΔOI +4 opens 4·VWAP_C USD.
 *
 * Liquidation prices → buckets:
 *   A long : 5x 33984.56→33950  10x 38232.63→38200  25x 40781.47→40750  50x 41631.09→41600  100x 42055.89→42050
 *   A short: 5x 50570.65→50550  10x 46356.43→46350  25x 43827.90→43800  50x 42985.05→42950  100x 42563.63→42550
 *   C long : 5x 33877.37→33850  10x 38112.04→38100  25x 40652.84→40650  50x 41499.78→41450  100x 41923.24→41900
 *   C short: 5x 50411.14→50400  10x 46210.21→46200  25x 43689.66→43650  50x 42849.47→42800  100x 42429.38→42400
 */
export function expectedBtcLevels(liquidatingOn: 'trades' | 'mark') {
  const A_USD = 10 * 42310.778;
  const C_USD = 4 * 42177.3225;
  const shrink = liquidatingOn === 'trades' ? 70005 / (70010 - 0.6) : 70005 / 70010;
  const a = (side: 'long' | 'short', weight: number) => (side === 'long' ? 0.6 : 0.4) * A_USD * weight * shrink;
  const c = (side: 'long' | 'short', weight: number) => (side === 'long' ? 0.25 : 0.75) * C_USD * weight;
  const levels = [
    { price: 33850, long: c('long', 0.15), short: 0 },
    { price: 33950, long: a('long', 0.15), short: 0 },
    { price: 38100, long: c('long', 0.3), short: 0 },
    { price: 38200, long: a('long', 0.3), short: 0 },
    { price: 40650, long: c('long', 0.25), short: 0 },
    { price: 40750, long: a('long', 0.25), short: 0 },
    { price: 41450, long: c('long', 0.2), short: 0 },
    { price: 41600, long: a('long', 0.2), short: 0 },
    { price: 41900, long: c('long', 0.1), short: 0 },
    { price: 42050, long: a('long', 0.1), short: 0 },
    { price: 42400, long: 0, short: c('short', 0.1) },
    { price: 42550, long: 0, short: a('short', 0.1) },
    { price: 42800, long: 0, short: c('short', 0.2) },
    { price: 42950, long: 0, short: a('short', 0.2) },
    { price: 43650, long: 0, short: c('short', 0.25) },
    { price: 43800, long: 0, short: a('short', 0.25) },
    { price: 46200, long: 0, short: c('short', 0.3) },
    { price: 46350, long: 0, short: a('short', 0.3) },
    { price: 50400, long: 0, short: c('short', 0.15) },
    { price: 50550, long: 0, short: a('short', 0.15) },
  ];
  // On trades the A 100x long (bucket 42050) is gone.
  return liquidatingOn === 'trades' ? levels.filter((level) => level.price !== 42050) : levels;
}
