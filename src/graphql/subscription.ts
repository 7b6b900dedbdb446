import { GraphQLError } from 'graphql';
import type { Frame } from '../heatmap/types.js';
import { startWith } from '../stream/iterators.js';
import { builder } from './builder.js';
import { invalidSymbolError } from './errors.js';
import { exchangesArgument } from './query.js';
import { subscribedStreams } from './symbols.js';
import { HeatmapSnapshotRef } from './types.js';

builder.subscriptionType({
  fields: (t) => ({
    heatmapUpdated: t.field({
      type: HeatmapSnapshotRef,
      description:
        "One event per changed frame of any listed symbol (at most 10): each symbol's latest frame at once, then changes. " +
        "With `exchanges`, the frames sum those exchanges' books only. " +
        'Unknown symbols are reported in a first event carrying an INVALID_SYMBOL error while the valid ones stream.',
      args: { symbols: t.arg.stringList({ required: true }), exchanges: t.arg(exchangesArgument) },
      subscribe: (_root, args, { api }): AsyncIterable<Frame | GraphQLError> => {
        const { streams, invalid } = subscribedStreams(api, args.symbols, args.exchanges);
        if (streams.length === 0) throw invalidSymbolError(invalid, api.symbols);
        const frames = api.frames(streams);
        // The notice goes out as a `next` carrying only the error; the frames follow.
        return invalid.length > 0 ? startWith(invalidSymbolError(invalid, api.symbols), frames) : frames;
      },
      resolve: (event) => {
        if (event instanceof GraphQLError) throw event;
        return event;
      },
    }),
  }),
});
