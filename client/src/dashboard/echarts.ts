import { CandlestickChart, HeatmapChart, ScatterChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only the parts the dashboard draws, to keep the bundle small.
echarts.use([
  HeatmapChart,
  CandlestickChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  VisualMapComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export { echarts };

/**
 * Disposes a chart safely. zrender 6.1 paints a large (incremental) layer across animation frames and
 * the pending frame does not notice a dispose in between ("Cannot read properties of null (reading
 * 'layerStack')"); changing the painter's redraw id first makes that frame return early.
 */
export function disposeChart(chart: echarts.ECharts): void {
  const painter = chart.getZr().painter as unknown as { _redrawId?: number };
  painter._redrawId = Number.NaN;
  chart.dispose();
}
