import type { CandlestickSeriesOption, HeatmapSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type { GridComponentOption, TooltipComponentOption, VisualMapComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import type { HeatmapCellQuery, HeatmapFieldsFragment as Heatmap } from '../gql/graphql.js';
import { columnOfTime, priceAxis } from '../lib/heatmap-merge.js';
import { formatPrice, formatTime, formatUsd } from './format.js';

export type ChartOption = ComposeOption<
  | HeatmapSeriesOption
  | CandlestickSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;

export type SideFilter = 'both' | 'long' | 'short';

type TooltipFormatterParams = Parameters<
  Extract<TooltipComponentOption['formatter'], (...args: never[]) => unknown>
>[0];

export interface DisplaySettings {
  /** Colors saturate at this percentile of the non-empty cells, so faint bands stay visible next to strong ones. */
  clipPercentile: number;
  side: SideFilter;
}

/** Purple → yellow, after matplotlib's viridis. */
export const viridis = [
  '#440154',
  '#482878',
  '#3e4989',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6ece58',
  '#b5de2b',
  '#fde725',
];

export type PriceRange = ReturnType<typeof priceAxis>;

/** A cell's breakdown by exchange (and leverage tier for the live column), as `heatmapCell` answers it. */
export type CellBreakdown = NonNullable<HeatmapCellQuery['heatmapCell']>;
export type CellLoader = (cell: { time: string; priceLow: number; priceHigh: number }) => Promise<CellBreakdown | null>;

/** The tooltip lines of a breakdown: USD per exchange, then, for the live column, per leverage tier over the exchanges. */
export function breakdownLines(cell: CellBreakdown): string[] {
  const lines = cell.exchanges.map(
    (part) => `${part.exchange.toLowerCase()}: long ${formatUsd(part.long)} · short ${formatUsd(part.short)}`,
  );
  const tiers = new Map<number, { long: number; short: number }>();
  for (const part of cell.exchanges)
    for (const tier of part.tiers ?? []) {
      const sum = tiers.get(tier.leverage) ?? { long: 0, short: 0 };
      sum.long += tier.long;
      sum.short += tier.short;
      tiers.set(tier.leverage, sum);
    }
  if (tiers.size > 0)
    lines.push(
      'by leverage (live column):',
      ...[...tiers].map(
        ([leverage, sum]) => `${leverage}x: long ${formatUsd(sum.long)} · short ${formatUsd(sum.short)}`,
      ),
    );
  return lines;
}

/** The USD a cell shows for the chosen side. */
function cellValue(long: number, short: number, side: SideFilter): number {
  return side === 'long' ? long : side === 'short' ? short : long + short;
}

export function clipValue(values: number[], percentile: number): number {
  if (values.length === 0) return 1;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.floor((percentile / 100) * (sorted.length - 1)));
  return sorted[index]! || 1;
}

/** [column, row, shown value (clipped), long, short]: the color uses the clipped value, the tooltip the real ones. */
type HeatmapDatum = [number, number, number, number, number];

export interface BuiltChart {
  option: ChartOption;
  /** USD at which colors saturate. */
  clip: number;
  /** The price axis' extent. */
  range: PriceRange;
}

/**
 * `decimals`: the symbol's price decimals (priceDecimals), for every price the chart prints. `cellOf`: loads a
 * cell's breakdown on hover, shown in its tooltip once it arrives.
 */
export function buildChart(
  heatmap: Heatmap,
  display: DisplaySettings,
  decimals: number,
  cellOf?: CellLoader,
): BuiltChart {
  const price = (value: number) => formatPrice(value, decimals);
  const intervalMs = heatmap.intervalSeconds * 1000;
  const fromMs = Date.parse(heatmap.from);
  const withDate = heatmap.columns * intervalMs > 86_400_000;
  const columnLabels = Array.from({ length: heatmap.columns }, (_, column) =>
    formatTime(fromMs + column * intervalMs, withDate),
  );

  const cells = heatmap.cells
    .map(([column, row, long, short]) => ({
      column: column!,
      row: row!,
      long: long!,
      short: short!,
      value: cellValue(long!, short!, display.side),
    }))
    .filter((cell) => cell.value > 0);
  const clip = clipValue(
    cells.map((cell) => cell.value),
    display.clipPercentile,
  );
  const heatmapData: HeatmapDatum[] = cells.map((cell) => [
    cell.column,
    cell.row,
    Math.min(cell.value, clip),
    cell.long,
    cell.short,
  ]);

  // '-' marks a column without a candle (ECharts' empty value).
  const candles: Array<Array<number | '-'>> = Array.from({ length: heatmap.columns }, () => ['-', '-', '-', '-']);
  for (const candle of heatmap.candles) {
    const column = columnOfTime(heatmap, Date.parse(candle.time));
    if (column >= 0 && column < heatmap.columns) candles[column] = [candle.open, candle.close, candle.low, candle.high];
  }
  const markers = heatmap.liquidations
    .map((marker) => ({ column: columnOfTime(heatmap, Date.parse(marker.time)), marker }))
    .filter(({ column }) => column >= 0 && column < heatmap.columns)
    .map(({ column, marker }) => ({
      value: [column, marker.price, marker.usd],
      itemStyle: { color: marker.side === 'LONG' ? '#ff4d6d' : '#4dd8ff' },
      name: marker.side,
    }));
  const range = priceAxis(heatmap);
  const rowEdge = (row: number) => heatmap.priceMin + row * heatmap.rowStep;

  const option: ChartOption = {
    animation: false,
    backgroundColor: '#0b0716',
    grid: { left: 72, right: 16, top: 12, bottom: 36 },
    tooltip: {
      trigger: 'item',
      confine: true,
      // ECharts calls it with a third argument its typings leave out: the callback that replaces the
      // content once an asynchronous part (the cell's breakdown) has arrived.
      formatter: ((
        params: TooltipFormatterParams,
        ticket: string,
        callback: (ticket: string, html: string) => void,
      ) => {
        const item = Array.isArray(params) ? params[0] : params;
        if (!item) return '';
        if (item.seriesType === 'heatmap') {
          const [column, row, , long, short] = item.data as HeatmapDatum;
          const lines = [
            `<b>${formatTime(fromMs + column * intervalMs, true)}</b>`,
            `price ${price(rowEdge(row))} – ${price(rowEdge(row + 1))}`,
            `long ${formatUsd(long)} · short ${formatUsd(short)}`,
          ];
          if (!cellOf) return lines.join('<br>');
          const cell = {
            time: new Date(fromMs + column * intervalMs).toISOString(),
            priceLow: rowEdge(row),
            priceHigh: rowEdge(row + 1),
          };
          void cellOf(cell).then((breakdown) => {
            if (breakdown) callback(ticket, [...lines, ...breakdownLines(breakdown)].join('<br>'));
          });
          return lines.join('<br>');
        }
        if (item.seriesType === 'candlestick') {
          const [, open, close, low, high] = item.data as number[];
          return `<b>${columnLabels[item.dataIndex]}</b><br>O ${price(open!)} H ${price(high!)}<br>L ${price(low!)} C ${price(close!)}`;
        }
        const [column, at, usd] = (item.data as { value: number[] }).value;
        return `<b>${formatTime(fromMs + column! * intervalMs, true)}</b><br>${item.name} liquidated ${formatUsd(usd!)} at ${price(at!)}`;
      }) as unknown as TooltipComponentOption['formatter'],
    },
    xAxis: {
      type: 'category',
      data: columnLabels,
      axisLabel: { color: '#b9b3cc', hideOverlap: true },
      axisLine: { lineStyle: { color: '#3b3452' } },
    },
    yAxis: [
      { type: 'category', data: Array.from({ length: heatmap.rows }, (_, row) => row), show: false },
      {
        type: 'value',
        position: 'left',
        min: range.min,
        max: range.max,
        scale: true,
        splitLine: { show: false },
        // The extent is the grid's own (not round numbers): its labels would crowd the round ones.
        axisLabel: {
          color: '#b9b3cc',
          showMinLabel: false,
          showMaxLabel: false,
          formatter: (value: number) => formatPrice(value, decimals, 0),
        },
      },
    ],
    visualMap: {
      show: false,
      type: 'continuous',
      seriesIndex: 0,
      dimension: 2,
      min: 0,
      max: clip,
      inRange: { color: viridis },
    },
    series: [
      {
        type: 'heatmap',
        data: heatmapData,
        progressive: 0,
        emphasis: { itemStyle: { borderColor: '#fff', borderWidth: 1 } },
      },
      {
        type: 'candlestick',
        yAxisIndex: 1,
        data: candles,
        barMaxWidth: 8,
        itemStyle: { color: '#e8e8e8', color0: '#ff6b81', borderColor: '#e8e8e8', borderColor0: '#ff6b81' },
        markLine: {
          symbol: 'none',
          silent: true,
          animation: false,
          data: [{ yAxis: heatmap.currentPrice }],
          lineStyle: { color: '#ffffff', type: 'dashed', width: 1 },
          label: { position: 'insideEndTop', color: '#ffffff', formatter: () => price(heatmap.currentPrice) },
        },
      },
      {
        type: 'scatter',
        yAxisIndex: 1,
        data: markers,
        symbol: 'diamond',
        symbolSize: (value: number[]) => Math.min(11, 4 + Math.sqrt(value[2]! / 50_000)),
        itemStyle: { opacity: 0.85, borderColor: '#0b0716', borderWidth: 0.5 },
      },
    ],
  };
  return { option, clip, range };
}
