import { useEffect, useRef, useState } from 'react';
import type { HeatmapFieldsFragment as Heatmap } from '../gql/graphql.js';
import type { SymbolView } from '../lib/heatmap-feed.js';
import { buildChart, viridis, type CellLoader, type DisplaySettings, type PriceRange } from './chart-option.js';
import { disposeChart, echarts } from './echarts.js';
import { coverageOf, type HistoryProgress } from '../lib/coverage.js';
import { formatPrice, formatUsd, historyLabel, priceDecimals } from './format.js';

/** Frames can arrive several times a second per symbol; the chart redraws at most this often. */
const minRedrawIntervalMs = 250;
/** A hovered cell's breakdown is asked for once in this long, however often the tooltip is drawn. */
const breakdownReuseMs = 2_000;

/** What browser tests and curious operators can read back: `window.__heatmapDebug[symbol]`. */
export interface ChartDebugInfo {
  symbol: string;
  window: string;
  yMin: number;
  yMax: number;
  currentPrice: number;
  seq: number | null;
  columns: number;
  from: string;
  redraws: number;
}

declare global {
  interface Window {
    __heatmapDebug?: Record<string, ChartDebugInfo>;
  }
}

interface Drawn {
  clip: number;
  range: PriceRange;
}

export function HeatmapPanel({
  view,
  display,
  tickSize,
  history: historyProgress,
  cellOf,
}: {
  view: SymbolView;
  display: DisplaySettings;
  /** The symbol's price increment (MarketSymbol.tickSize): prices show its decimals. */
  tickSize: number | null;
  /** The server's history backfill (`marketSource.history`): whether this window is still filling, or why it never will. */
  history: HistoryProgress;
  /** Loads a cell's breakdown by exchange and leverage tier for the tooltip. */
  cellOf: CellLoader;
}) {
  const loadCell = useRef(cellOf);
  loadCell.current = cellOf;
  const breakdowns = useRef(new Map<string, { at: number; breakdown: ReturnType<CellLoader> }>());
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | null>(null);
  const latest = useRef<{ heatmap: Heatmap; seq: number | null; display: DisplaySettings; decimals: number } | null>(
    null,
  );
  const redrawTimer = useRef<number | undefined>(undefined);
  const lastRedrawAt = useRef(0);
  const redraws = useRef(0);
  const [drawn, setDrawn] = useState<Drawn | null>(null);

  useEffect(() => {
    const container = containerRef.current!;
    const chart = echarts.init(container, null, { renderer: 'canvas' });
    chartRef.current = chart;
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(container);
    return () => {
      resize.disconnect();
      window.clearTimeout(redrawTimer.current);
      redrawTimer.current = undefined;
      disposeChart(chart);
      chartRef.current = null;
      delete window.__heatmapDebug?.[view.symbol];
    };
  }, [view.symbol]);

  useEffect(() => {
    if (!view.heatmap) return;
    const decimals = priceDecimals(tickSize, view.heatmap.currentPrice);
    latest.current = { heatmap: view.heatmap, seq: view.lastFrame?.seq ?? null, display, decimals };
    if (redrawTimer.current !== undefined) return;
    const redraw = () => {
      redrawTimer.current = undefined;
      lastRedrawAt.current = performance.now();
      const chart = chartRef.current;
      const next = latest.current;
      if (!chart || !next) return;
      const built = buildChart(next.heatmap, next.display, next.decimals, (cell) => {
        const key = `${cell.time}|${cell.priceLow}|${cell.priceHigh}`;
        const cached = breakdowns.current.get(key);
        if (cached && performance.now() - cached.at < breakdownReuseMs) return cached.breakdown;
        const breakdown = loadCell.current(cell);
        breakdowns.current.clear();
        breakdowns.current.set(key, { at: performance.now(), breakdown });
        return breakdown;
      });
      chart.setOption(built.option);
      redraws.current += 1;
      publishDebugInfo(containerRef.current!, {
        symbol: next.heatmap.symbol,
        window: next.heatmap.window,
        yMin: built.range.min,
        yMax: built.range.max,
        currentPrice: next.heatmap.currentPrice,
        seq: next.seq,
        columns: next.heatmap.columns,
        from: next.heatmap.from,
        redraws: redraws.current,
      });
      setDrawn((previous) =>
        previous?.clip === built.clip &&
        previous.range.min === built.range.min &&
        previous.range.max === built.range.max
          ? previous
          : built,
      );
    };
    redrawTimer.current = window.setTimeout(
      redraw,
      Math.max(0, minRedrawIntervalMs - (performance.now() - lastRedrawAt.current)),
    );
  }, [view.heatmap, view.lastFrame, display, tickSize]);

  const price = view.lastFrame?.currentPrice ?? view.heatmap?.currentPrice;
  const books = view.lastFrame?.exchanges ?? view.heatmap?.exchanges;
  const historyFailed = historyProgress?.failed ?? null;
  const history = view.heatmap ? historyLabel(coverageOf(view.heatmap, historyProgress), historyFailed) : null;
  return (
    <section className="panel" data-testid={`panel-${view.symbol}`}>
      <header className="panel-header">
        <h2>{view.symbol}</h2>
        {price !== undefined && (
          <span className="price" data-testid={`price-${view.symbol}`}>
            {formatPrice(price, priceDecimals(tickSize, price))}
          </span>
        )}
        {history && (
          <span
            className="history-loading"
            data-testid={`history-loading-${view.symbol}`}
            data-failed={historyFailed ? 'true' : undefined}
            title={
              historyFailed
                ? `${history}. The server gave up loading this window's older history and shows what it has; it loads again when restarted`
                : "The server is still loading this window's older history: its columns appear as they arrive"
            }
          >
            {history}
          </span>
        )}
        {books && (
          <span
            className="exchanges"
            data-testid={`exchanges-${view.symbol}`}
            title="The exchanges whose books this heatmap sums; a feed that is not live drops out until it is"
          >
            {books.map((exchange) => exchange.toLowerCase()).join(' + ')}
          </span>
        )}
        {drawn && (
          <span className="legend" title="Outstanding liquidation USD per cell; colors saturate at the clip">
            <span className="legend-bar" style={{ background: `linear-gradient(to right, ${viridis.join(', ')})` }} />
            {formatUsd(0)} – {formatUsd(drawn.clip)}+
          </span>
        )}
      </header>
      <div className="chart" ref={containerRef} data-testid="heatmap-chart" data-symbol={view.symbol} />
      {!view.heatmap && <p className="chart-note">{view.error ? `Could not load: ${view.error}` : 'Loading…'}</p>}
    </section>
  );
}

function publishDebugInfo(container: HTMLElement, info: ChartDebugInfo) {
  window.__heatmapDebug = { ...window.__heatmapDebug, [info.symbol]: info };
  Object.assign(container.dataset, {
    window: info.window,
    yMin: String(info.yMin),
    yMax: String(info.yMax),
    currentPrice: String(info.currentPrice),
    seq: String(info.seq ?? ''),
    redraws: String(info.redraws),
  });
}
