import { builder } from './builder.js';
import { notReadyError } from './errors.js';
import { requireSymbol } from './symbols.js';
import {
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
      description: 'Supported symbols, their source and last update',
      resolve: (_root, _args, { api }) =>
        api.symbols.map((symbol) => ({
          symbol,
          source: api.sourceHealth().source,
          lastUpdate: api.lastUpdate(symbol),
          tickSize: api.tickSize(symbol),
          latest: api.latestFrame(symbol),
        })),
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
      },
      resolve: async (_root, args, { api }) => {
        const symbol = requireSymbol(api, args.symbol);
        const heatmap = await api.heatmap(symbol, args.window ?? 'H24');
        if (!heatmap) throw notReadyError(symbol);
        return heatmap;
      },
    }),
    snapshot: t.field({
      type: HeatmapSnapshotRef,
      nullable: true,
      description:
        'The latest published frame of a symbol: what a subscription pushes (null with an error for an unknown symbol)',
      args: { symbol: t.arg.string({ required: true }) },
      resolve: (_root, args, { api }) => {
        const symbol = requireSymbol(api, args.symbol);
        const frame = api.latestFrame(symbol);
        if (!frame) throw notReadyError(symbol);
        return frame;
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
