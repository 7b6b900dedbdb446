import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import type { Exchange, HeatmapWindow } from '../gql/graphql.js';
import type { Connection } from '../lib/connection.js';
import { HeatmapCellQuery, SymbolsQuery } from '../lib/documents.js';
import type { DisplaySettings } from './chart-option.js';
import { HeatmapPanel } from './HeatmapPanel.js';
import { useConnectionState, useHeatmapFeed, useMarketSource, useNow } from './hooks.js';
import { DisplayControls, ExchangePicker, SymbolPicker, WindowPicker } from './Pickers.js';
import { rememberInUrl, type Settings } from './settings.js';
import { FeedBadge } from './FeedBadge.js';
import { StatusBadge } from './StatusBadge.js';

export function App({ connection, settings }: { connection: Connection; settings: Settings }) {
  const [symbolsResult, refetchSymbols] = useQuery({ query: SymbolsQuery });
  const available = symbolsResult.data?.symbols.map((entry) => entry.symbol) ?? [];
  const tickSizes = new Map(symbolsResult.data?.symbols.map((entry) => [entry.symbol, entry.tickSize ?? null]));
  const [chosen, setChosen] = useState<string[]>(settings.symbols);
  const [window, setWindow] = useState<HeatmapWindow>(settings.window);
  const [exchanges, setExchanges] = useState<Exchange[] | null>(settings.exchanges);
  // Every symbol has the same exchanges (the server's configured ones): the first one's say which.
  const configured = (symbolsResult.data?.symbols[0]?.exchanges ?? []).map(({ exchange }) => exchange);
  const [display, setDisplay] = useState<DisplaySettings>({ clipPercentile: 97, side: 'both' });

  // Only symbols the server knows; the first one when nothing (valid) was asked for.
  const validChosen = chosen.filter((symbol) => available.includes(symbol));
  const selected = validChosen.length > 0 ? validChosen : available.slice(0, 1);
  const selectedKey = selected.join(',');

  const state = useConnectionState(connection);
  const source = useMarketSource(Math.max(1_000, settings.pollIntervalMs));
  const history = source ? source.history : undefined;
  const views = useHeatmapFeed(connection, selected, window, exchanges, settings.pollIntervalMs, history);
  const now = useNow(1_000);
  const lastUpdate = views.reduce<number | null>(
    (latest, view) =>
      view.updatedAt !== null && (latest === null || view.updatedAt > latest) ? view.updatedAt : latest,
    null,
  );

  useEffect(() => {
    if (selectedKey) rememberInUrl(selectedKey.split(','), window, exchanges);
  }, [selectedKey, window, exchanges]);

  // The symbol list comes over HTTP; if the server was unreachable at load, ask again once it answers polls.
  useEffect(() => {
    if (symbolsResult.error && !symbolsResult.fetching && (state.status === 'live' || state.status === 'polling'))
      refetchSymbols({ requestPolicy: 'network-only' });
  }, [symbolsResult.error, symbolsResult.fetching, state.status, refetchSymbols]);

  return (
    <div className="app">
      <header className="toolbar">
        <h1>Liquidation heatmap</h1>
        {/* On a phone these move to the bottom of the screen, under the thumb (styles.css). */}
        <div className="controls">
          <SymbolPicker symbols={available} selected={selected} onChange={setChosen} />
          <WindowPicker selected={window} onChange={setWindow} />
          <ExchangePicker exchanges={configured} selected={exchanges} onChange={setExchanges} />
          <DisplayControls display={display} onChange={setDisplay} />
        </div>
        <div className="connection">
          <StatusBadge state={state} lastUpdate={lastUpdate} now={now} />
          <FeedBadge source={source} />
        </div>
      </header>
      {symbolsResult.error && available.length === 0 && (
        <p className="chart-note">Cannot reach the server: {symbolsResult.error.message}</p>
      )}
      <main className={`panels count-${views.length}`}>
        {views.map((view) => (
          <HeatmapPanel
            key={`${view.symbol}-${window}`}
            view={view}
            cellOf={(cell) =>
              connection.client
                .query(
                  HeatmapCellQuery,
                  { symbol: view.symbol, window, exchanges, ...cell },
                  { requestPolicy: 'network-only' },
                )
                .toPromise()
                .then((result) => result.data?.heatmapCell ?? null)
            }
            display={display}
            tickSize={tickSizes.get(view.symbol) ?? null}
            history={history}
          />
        ))}
      </main>
    </div>
  );
}
