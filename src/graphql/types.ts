import type { Candle, Heatmap, Frame, LiquidationLevel, LiquidationMarker, WindowName } from '../heatmap/types.js';
import { WINDOW_NAMES, windowDescription } from '../heatmap/windows.js';
import type { SourceHealth } from '../market/source.js';
import type { StreamStats } from '../stream/stream-stats.js';
import { builder } from './builder.js';

export const HeatmapWindow = builder.enumType('HeatmapWindow', {
  description: 'Time span of a heatmap; each has a fixed column interval.',
  // The model's windows (src/heatmap/windows.ts), described from their duration and interval.
  values: Object.fromEntries(WINDOW_NAMES.map((name) => [name, { description: windowDescription(name) }])) as Record<
    WindowName,
    { description: string }
  >,
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
    seq: t.exposeInt('seq', { description: 'Per symbol, +1 per published frame, the same on every instance' }),
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
    window: t.expose('window', { type: HeatmapWindow }),
    intervalSeconds: t.int({ description: 'Column width', resolve: (h) => h.interval / 1000 }),
    from: t.expose('from', {
      type: 'DateTime',
      description: 'Start of column 0; column i starts at from + i·intervalSeconds',
    }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the last (open) column' }),
    columns: t.exposeInt('columns'),
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

export const MarketSymbolRef = builder
  .objectRef<{
    symbol: string;
    source: string;
    lastUpdate: number | null;
    tickSize: number | null;
    latest: Frame | undefined;
  }>('MarketSymbol')
  .implement({
    description: 'A supported symbol.',
    fields: (t) => ({
      symbol: t.exposeString('symbol'),
      source: t.exposeString('source', { description: 'simulator, replay, binance, bybit or okx' }),
      lastUpdate: t.expose('lastUpdate', {
        type: 'DateTime',
        nullable: true,
        description: 'Time of the last market event',
      }),
      tickSize: t.exposeFloat('tickSize', {
        nullable: true,
        description:
          'Price increment the symbol is quoted in (the exchange tick): every price served is a multiple of it. Null until the market source has said it',
      }),
      currentPrice: t.float({ nullable: true, resolve: (s) => s.latest?.currentPrice ?? null }),
      seq: t.int({
        nullable: true,
        description: 'Seq of the latest published frame',
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

export const MarketSourceHealthRef = builder.objectRef<SourceHealth>('MarketSourceHealth').implement({
  description: 'The market feed behind the heatmaps, as the source reports itself.',
  fields: (t) => ({
    name: t.exposeString('source', { description: 'simulator, replay, binance, bybit or okx' }),
    state: t.expose('state', { type: SourceState }),
    connected: t.exposeBoolean('connected'),
    lastEventAt: t.expose('lastEventAt', { type: 'DateTime', nullable: true }),
    errors: t.exposeInt('errors', { description: 'Malformed or failed inputs since start (never fatal)' }),
    detail: t.exposeString('detail', { nullable: true, description: 'Why it is not live' }),
  }),
});
