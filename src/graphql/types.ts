import type {
  Candle,
  CellPart,
  Heatmap,
  Frame,
  LiquidationLevel,
  LiquidationMarker,
  WindowName,
} from '../heatmap/types.js';
import { WINDOW_NAMES, windowDescription } from '../heatmap/windows.js';
import type { Exchange as ExchangeName, SourceHealth } from '../market/source.js';
import type { StreamStats } from '../stream/stream-stats.js';
import type { HistoryStatus } from './context.js';
import { builder } from './builder.js';

export const HeatmapWindow = builder.enumType('HeatmapWindow', {
  description: 'Time span of a heatmap; each has a fixed column interval.',
  // The model's windows (src/heatmap/windows.ts), described from their duration and interval.
  values: Object.fromEntries(WINDOW_NAMES.map((name) => [name, { description: windowDescription(name) }])) as Record<
    WindowName,
    { description: string }
  >,
});

export const Exchange = builder.enumType('Exchange', {
  description: 'An exchange whose USDT perpetuals feed the heatmaps (docs/exchange-sources.md).',
  values: { BINANCE: { value: 'binance' }, BYBIT: { value: 'bybit' }, OKX: { value: 'okx' } } as const,
});

export const Side = builder.enumType('Side', {
  description: 'Side of the position that was (or would be) liquidated.',
  values: { LONG: { value: 'long' }, SHORT: { value: 'short' } } as const,
});

export const LiquidationLevelRef = builder.objectRef<LiquidationLevel>('LiquidationLevel').implement({
  description: 'Outstanding liquidation USD in one price bucket.',
  fields: (t) => ({
    price: t.exposeFloat('price', { description: 'Lower edge of the price bucket' }),
    long: t.exposeFloat('long', { description: 'USD of long positions liquidated at this price' }),
    short: t.exposeFloat('short', { description: 'USD of short positions liquidated at this price' }),
  }),
});

export const CandleRef = builder.objectRef<Candle>('Candle').implement({
  description: 'OHLC of one column.',
  fields: (t) => ({
    time: t.expose('time', { type: 'DateTime', description: 'Start of the column' }),
    open: t.exposeFloat('open'),
    high: t.exposeFloat('high'),
    low: t.exposeFloat('low'),
    close: t.exposeFloat('close'),
  }),
});

export const LiquidationMarkerRef = builder.objectRef<LiquidationMarker>('LiquidationMarker').implement({
  description: 'A realized liquidation reported by the exchange (force order).',
  fields: (t) => ({
    time: t.expose('time', { type: 'DateTime' }),
    price: t.exposeFloat('price'),
    side: t.expose('side', { type: Side }),
    usd: t.exposeFloat('usd'),
  }),
});

/** A frame; the schema has always called it HeatmapSnapshot, and clients' documents name it. */
export const HeatmapSnapshotRef = builder.objectRef<Frame>('HeatmapSnapshot').implement({
  description: 'The latest state of one symbol: what heatmapUpdated pushes.',
  fields: (t) => ({
    symbol: t.exposeString('symbol'),
    seq: t.exposeInt('seq', {
      description: 'Per symbol and exchange set, +1 per published frame, the same on every instance',
    }),
    exchanges: t.expose('exchanges', {
      type: [Exchange],
      description:
        "The exchanges whose books this frame sums: those asked for, but for any whose feed is not live (it drops out until it is again); all of them, as they were last, when none's is",
    }),
    timestamp: t.expose('timestamp', {
      type: 'DateTime',
      description: 'Start of the time column this frame describes (1-minute columns)',
    }),
    generatedAt: t.expose('generatedAt', {
      type: 'DateTime',
      description: "When the publisher's tick that built the frame was due: push latency counts from here",
    }),
    currentPrice: t.exposeFloat('currentPrice'),
    priceStep: t.exposeFloat('priceStep', { description: 'Width of a price bucket' }),
    levels: t.expose('levels', { type: [LiquidationLevelRef], description: 'Price-sorted, non-empty buckets only' }),
    positionsCreated: t.exposeInt('positionsCreated', { description: 'Positions opened in the current column' }),
    positionsConsumed: t.exposeInt('positionsConsumed', { description: 'Positions liquidated in the current column' }),
    candle: t.expose('candle', { type: CandleRef, nullable: true, description: 'OHLC of the current column' }),
  }),
});

export const HeatmapRef = builder.objectRef<Heatmap>('Heatmap').implement({
  description: 'A time × price grid of outstanding liquidation USD over one window.',
  fields: (t) => ({
    symbol: t.exposeString('symbol'),
    exchanges: t.expose('exchanges', {
      type: [Exchange],
      description:
        "The exchanges whose books it sums: those asked for, but for any whose feed is not live (all of them when none's is)",
    }),
    window: t.expose('window', { type: HeatmapWindow }),
    intervalSeconds: t.int({ description: 'Column width', resolve: (h) => h.interval / 1000 }),
    from: t.expose('from', {
      type: 'DateTime',
      description: 'Start of column 0; column i starts at from + i·intervalSeconds',
    }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the last (open) column' }),
    columns: t.exposeInt('columns'),
    coverageFrom: t.expose('coverageFrom', {
      type: 'DateTime',
      description:
        'From when the window has data: equal to `from` once the history fills the window, later while it is still loading (an empty column before it means "not loaded yet", not "no liquidations")',
    }),
    priceMin: t.exposeFloat('priceMin', { description: 'Lower edge of row 0' }),
    rowStep: t.exposeFloat('rowStep', {
      description: 'Price height of a row; row j covers [priceMin + j·rowStep, priceMin + (j+1)·rowStep)',
    }),
    rows: t.exposeInt('rows'),
    cells: t.field({
      type: t.listRef(t.listRef('Float')),
      description: 'Non-empty cells only, each [columnIndex, rowIndex, longUsd, shortUsd]',
      resolve: (h) => h.cells,
    }),
    cellFloor: t.exposeFloat('cellFloor', {
      description:
        'Cells are capped to the largest; the smallest total (long + short USD) sent, 0 when none were left out',
    }),
    candles: t.expose('candles', { type: [CandleRef] }),
    positionsCreated: t.exposeIntList('positionsCreated', { description: 'Positions opened per column' }),
    positionsConsumed: t.exposeIntList('positionsConsumed', { description: 'Positions liquidated per column' }),
    liquidations: t.expose('liquidations', {
      type: [LiquidationMarkerRef],
      description: 'Realized liquidations in the window',
    }),
    currentPrice: t.exposeFloat('currentPrice'),
  }),
});

export const SourceState = builder.enumType('SourceState', {
  values: {
    CONNECTING: { value: 'connecting', description: 'Backfilling history or connecting' },
    LIVE: { value: 'live', description: 'Delivering events' },
    DEGRADED: {
      value: 'degraded',
      description: 'Stalled, disconnected or reporting bad data; the last heatmap is still served',
    },
    STOPPED: { value: 'stopped', description: 'Ended (a finished replay) or stopped' },
  } as const,
});

export const SymbolFeedRef = builder
  .objectRef<{
    exchange: ExchangeName;
    state: SourceHealth['state'];
    lastUpdate: number | null;
    tickSize: number | null;
  }>('SymbolFeed')
  .implement({
    description: "One exchange's feed of a symbol.",
    fields: (t) => ({
      exchange: t.expose('exchange', { type: Exchange }),
      state: t.expose('state', { type: SourceState, description: "The exchange's feed state" }),
      lastUpdate: t.expose('lastUpdate', {
        type: 'DateTime',
        nullable: true,
        description: 'Time of the last market event of the symbol on this exchange',
      }),
      tickSize: t.exposeFloat('tickSize', {
        nullable: true,
        description: 'Price increment of the symbol on this exchange, null until its source has said it',
      }),
    }),
  });

export const MarketSymbolRef = builder
  .objectRef<{
    symbol: string;
    source: string;
    lastUpdate: number | null;
    tickSize: number | null;
    latest: Frame | undefined;
    exchanges: Array<{
      exchange: ExchangeName;
      state: SourceHealth['state'];
      lastUpdate: number | null;
      tickSize: number | null;
    }>;
  }>('MarketSymbol')
  .implement({
    description: 'A supported symbol.',
    fields: (t) => ({
      symbol: t.exposeString('symbol'),
      source: t.exposeString('source', { description: 'simulator, replay, live, binance, bybit or okx' }),
      exchanges: t.expose('exchanges', {
        type: [SymbolFeedRef],
        description: "Each configured exchange's feed of the symbol and its state",
      }),
      lastUpdate: t.expose('lastUpdate', {
        type: 'DateTime',
        nullable: true,
        description: 'Time of the last market event (on any exchange)',
      }),
      tickSize: t.exposeFloat('tickSize', {
        nullable: true,
        description:
          "Price increment the symbol is quoted in (the first configured exchange's tick): every price served is a multiple of it. Null until the market source has said it",
      }),
      currentPrice: t.float({ nullable: true, resolve: (s) => s.latest?.currentPrice ?? null }),
      seq: t.int({
        nullable: true,
        description: 'Seq of the latest published frame of all configured exchanges',
        resolve: (s) => s.latest?.seq ?? null,
      }),
    }),
  });

export const SymbolCountRef = builder.objectRef<[string, number]>('SymbolSubscriptions').implement({
  fields: (t) => ({
    symbol: t.string({ resolve: ([symbol]) => symbol }),
    subscriptions: t.int({ resolve: ([, count]) => count }),
  }),
});

export const StreamStatsRef = builder.objectRef<StreamStats>('StreamStats').implement({
  description: 'Live counters of this instance.',
  fields: (t) => ({
    activeConnections: t.exposeInt('activeConnections'),
    activeSubscriptions: t.int({ resolve: (s) => s.activeSubscriptions }),
    subscriptionsBySymbol: t.field({
      type: [SymbolCountRef],
      resolve: (s) => [...s.bySymbol].map(([symbol, c]) => [symbol, c.subscriptions] as [string, number]),
    }),
    framesPublished: t.exposeFloat('framesPublished', {
      description: 'Counter since start (Float: may exceed 32-bit Int)',
    }),
    messagesSent: t.exposeFloat('messagesSent', { description: 'Counter since start (Float: may exceed 32-bit Int)' }),
    droppedFrames: t.exposeFloat('droppedFrames', {
      description: 'Counter since start (Float: may exceed 32-bit Int)',
    }),
    slowConsumerWarnings: t.exposeInt('slowConsumerWarnings'),
    broadcastP50Ms: t.float({ nullable: true, resolve: (s) => s.broadcastPercentileMs(50) }),
    broadcastP95Ms: t.float({ nullable: true, resolve: (s) => s.broadcastPercentileMs(95) }),
  }),
});

export const ExchangeFeedRef = builder
  .objectRef<{ exchange: ExchangeName; health: SourceHealth }>('ExchangeFeed')
  .implement({
    description: "One exchange's market feed, as its source reports itself.",
    fields: (t) => ({
      exchange: t.expose('exchange', { type: Exchange }),
      name: t.string({ description: 'simulator, replay, binance, bybit or okx', resolve: (f) => f.health.source }),
      state: t.field({ type: SourceState, resolve: (f) => f.health.state }),
      connected: t.boolean({ resolve: (f) => f.health.connected }),
      lastEventAt: t.field({ type: 'DateTime', nullable: true, resolve: (f) => f.health.lastEventAt }),
      errors: t.int({
        description: 'Malformed or failed inputs since start (never fatal)',
        resolve: (f) => f.health.errors,
      }),
      detail: t.string({ nullable: true, description: 'Why it is not live', resolve: (f) => f.health.detail }),
    }),
  });

export const HistoryStatusRef = builder.objectRef<HistoryStatus>('HistoryStatus').implement({
  description:
    'How far back the heatmaps reach: the recent history is loaded before the first frame, the rest (up to 30 days) in the background.',
  fields: (t) => ({
    loadedFrom: t.expose('loadedFrom', {
      type: 'DateTime',
      nullable: true,
      description: 'From when the heatmaps have data now; null until the source has delivered its first history',
    }),
    targetFrom: t.expose('targetFrom', {
      type: 'DateTime',
      nullable: true,
      description: 'From when they will have data once the history is loaded',
    }),
    done: t.exposeBoolean('done', { description: 'The whole history is loaded, from targetFrom' }),
    failed: t.exposeString('failed', {
      nullable: true,
      description:
        'Why the backfill gave up before targetFrom (a range still not fetched from the exchange after about 25 minutes of retries; with several exchanges each one that gave up, as "bybit: …"); null while it loads or once done. The heatmaps keep what loaded, from loadedFrom; a restart loads again.',
    }),
  }),
});

export const MarketSourceHealthRef = builder.objectRef<SourceHealth>('MarketSourceHealth').implement({
  description: 'The market feed behind the heatmaps, as the source reports itself.',
  fields: (t) => ({
    name: t.exposeString('source', {
      description: "simulator, replay, binance, bybit or okx; live for several exchanges' live feeds",
    }),
    state: t.expose('state', { type: SourceState, description: "The worst of the exchanges' feeds" }),
    connected: t.exposeBoolean('connected'),
    lastEventAt: t.expose('lastEventAt', { type: 'DateTime', nullable: true }),
    errors: t.exposeInt('errors', { description: 'Malformed or failed inputs since start (never fatal)' }),
    detail: t.exposeString('detail', { nullable: true, description: 'Why it is not live' }),
    exchanges: t.field({
      type: [ExchangeFeedRef],
      description: "Each configured exchange's feed",
      resolve: (_health, _args, { api }) => api.feeds(),
    }),
    history: t.field({
      type: HistoryStatusRef,
      nullable: true,
      description: 'The history backfill; null for replay, which loads its whole range at start',
      resolve: (_health, _args, { api }) => api.historyStatus(),
    }),
  }),
});

export const TierCellRef = builder
  .objectRef<{ leverage: number; long: number; short: number }>('LeverageTierCell')
  .implement({
    description: "One leverage tier's USD in a cell of the live column.",
    fields: (t) => ({
      leverage: t.exposeFloat('leverage'),
      long: t.exposeFloat('long'),
      short: t.exposeFloat('short'),
    }),
  });

export const CellPartRef = builder.objectRef<CellPart>('ExchangeCell').implement({
  description: "One exchange's USD in a heatmap cell.",
  fields: (t) => ({
    exchange: t.expose('exchange', { type: Exchange }),
    long: t.exposeFloat('long'),
    short: t.exposeFloat('short'),
    tiers: t.expose('tiers', {
      type: [TierCellRef],
      nullable: true,
      description: 'By leverage tier, for the live (last) column only; null for a closed column',
    }),
  }),
});

export const HeatmapCellRef = builder
  .objectRef<{ symbol: string; time: number; priceLow: number; priceHigh: number; exchanges: CellPart[] }>(
    'HeatmapCell',
  )
  .implement({
    description: 'One heatmap cell broken down by exchange, and for the live column by leverage tier.',
    fields: (t) => ({
      symbol: t.exposeString('symbol'),
      time: t.expose('time', { type: 'DateTime', description: 'A time inside the column asked for' }),
      priceLow: t.exposeFloat('priceLow'),
      priceHigh: t.exposeFloat('priceHigh'),
      long: t.float({ resolve: (c) => cents(c.exchanges.reduce((sum, part) => sum + part.long, 0)) }),
      short: t.float({ resolve: (c) => cents(c.exchanges.reduce((sum, part) => sum + part.short, 0)) }),
      exchanges: t.expose('exchanges', { type: [CellPartRef], description: 'Live exchanges of the set asked for' }),
    }),
  });

function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
