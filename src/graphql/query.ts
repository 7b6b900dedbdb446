import { builder } from './builder.js';
import { badUserInput, notReadyError } from './errors.js';
import { requireExchanges, requireSymbol } from './symbols.js';
import {
  Exchange,
  HeatmapCellRef,
  HeatmapRef,
  HeatmapSnapshotRef,
  HeatmapWindow,
  MarketSourceHealthRef,
  MarketSymbolRef,
  StreamStatsRef,
} from './types.js';

builder.queryType({
  fields: (t) => ({
    symbols: t.field({
      type: [MarketSymbolRef],
      description: "Supported symbols, their source, each exchange's feed and its state, last update",
      resolve: (_root, _args, { api }) => {
        const feeds = api.feeds();
        return api.symbols.map((symbol) => ({
          symbol,
          source: api.sourceHealth().source,
          lastUpdate: api.lastUpdate(symbol),
          tickSize: api.tickSize(symbol),
          latest: api.latestFrame(api.streamKey(symbol)),
          exchanges: feeds.map(({ exchange, health }) => ({
            exchange,
            state: health.state,
            lastUpdate: api.lastUpdate(symbol, exchange),
            tickSize: api.tickSize(symbol, exchange),
          })),
        }));
      },
    }),
    heatmap: t.field({
      type: HeatmapRef,
      // Nullable so that one bad symbol in a request nulls only its own field, not the others.
      nullable: true,
      description:
        'The time × price grid of a window, with candles and realized liquidations (null with an error for an unknown symbol)',
      args: {
        symbol: t.arg.string({ required: true }),
        window: t.arg({ type: HeatmapWindow, defaultValue: 'H24' }),
        exchanges: t.arg(exchangesArgument),
      },
      resolve: async (_root, args, { api }) => {
        const symbol = requireSymbol(api, args.symbol);
        const stream = api.streamKey(symbol, requireExchanges(api, args.exchanges));
        const heatmap = await api.heatmap(stream, args.window ?? 'H24');
        if (!heatmap) throw notReadyError(symbol);
        return heatmap;
      },
    }),
    snapshot: t.field({
      type: HeatmapSnapshotRef,
      nullable: true,
      description:
        'The latest published frame of a symbol: what a subscription pushes (null with an error for an unknown symbol)',
      args: { symbol: t.arg.string({ required: true }), exchanges: t.arg(exchangesArgument) },
      resolve: (_root, args, { api }) => {
        const symbol = requireSymbol(api, args.symbol);
        const frame = api.latestFrame(api.streamKey(symbol, requireExchanges(api, args.exchanges)));
        if (!frame) throw notReadyError(symbol);
        return frame;
      },
    }),
    heatmapCell: t.field({
      type: HeatmapCellRef,
      nullable: true,
      description:
        'One cell of a heatmap broken down by exchange, and for the live column by leverage tier: the column holding `time`, prices [priceLow, priceHigh) (a row is [priceMin + j·rowStep, priceMin + (j+1)·rowStep)). Exchanges whose feed is not live are left out, as in `heatmap`',
      args: {
        symbol: t.arg.string({ required: true }),
        window: t.arg({ type: HeatmapWindow, defaultValue: 'H24' }),
        exchanges: t.arg(exchangesArgument),
        time: t.arg({ type: 'DateTime', required: true }),
        priceLow: t.arg.float({ required: true }),
        priceHigh: t.arg.float({ required: true }),
      },
      resolve: (_root, args, { api }) => {
        const symbol = requireSymbol(api, args.symbol);
        const { priceLow, priceHigh } = args;
        if (!(priceHigh > priceLow) || !Number.isFinite(priceLow) || !Number.isFinite(priceHigh))
          throw badUserInput('heatmapCell: priceHigh must be above priceLow');
        const stream = api.streamKey(symbol, requireExchanges(api, args.exchanges));
        const time = args.time.getTime();
        const exchanges = api.cell(stream, args.window ?? 'H24', time, priceLow, priceHigh);
        return { symbol, time, priceLow, priceHigh, exchanges };
      },
    }),
    marketSource: t.field({
      type: MarketSourceHealthRef,
      description: "The market feed's health: the dashboard shows it when it is not live",
      resolve: (_root, _args, { api }) => api.sourceHealth(),
    }),
    streamStats: t.field({
      type: StreamStatsRef,
      description: 'Connections, subscriptions by symbol, frames sent and dropped, broadcast duration',
      resolve: (_root, _args, { api }) => api.stats,
    }),
  }),
});

/** The optional `exchanges` argument of every per-symbol field: omitted = all configured exchanges, summed. */
export const exchangesArgument = {
  type: [Exchange] as [typeof Exchange],
  required: false as const,
  description: 'The exchanges whose books to sum (docs/api.md); omitted: every configured exchange',
};
