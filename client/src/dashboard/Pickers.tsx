import type { HeatmapWindow } from '../gql/graphql.js';
import type { DisplaySettings, SideFilter } from './chart-option.js';
import { windows } from './settings.js';

export function SymbolPicker({
  symbols,
  selected,
  onChange,
}: {
  symbols: readonly string[];
  selected: readonly string[];
  onChange: (next: string[]) => void;
}) {
  // Several symbols can be shown side by side; the last one cannot be switched off.
  const toggle = (symbol: string) => {
    const next = selected.includes(symbol)
      ? selected.filter((s) => s !== symbol)
      : symbols.filter((s) => s === symbol || selected.includes(s));
    if (next.length > 0) onChange(next);
  };
  return (
    <div className="picker" data-testid="symbol-picker" role="group" aria-label="Symbols">
      {symbols.map((symbol) => (
        <button
          key={symbol}
          type="button"
          data-testid={`symbol-${symbol}`}
          aria-pressed={selected.includes(symbol)}
          onClick={() => toggle(symbol)}
        >
          {symbol}
        </button>
      ))}
    </div>
  );
}

export function WindowPicker({
  selected,
  onChange,
}: {
  selected: HeatmapWindow;
  onChange: (next: HeatmapWindow) => void;
}) {
  return (
    <div className="picker" data-testid="window-picker" role="group" aria-label="Window">
      {windows.map(({ name, label }) => (
        <button
          key={name}
          type="button"
          data-testid={`window-${name}`}
          aria-pressed={selected === name}
          onClick={() => onChange(name)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

export function DisplayControls({
  display,
  onChange,
}: {
  display: DisplaySettings;
  onChange: (next: DisplaySettings) => void;
}) {
  return (
    <div className="display-controls">
      <label title="Colors saturate at this percentile of the cells: lower it to bring out faint bands">
        clip at p{display.clipPercentile}
        <input
          type="range"
          min={50}
          max={100}
          step={1}
          value={display.clipPercentile}
          data-testid="clip-control"
          onChange={(event) => onChange({ ...display, clipPercentile: Number(event.target.value) })}
        />
      </label>
      <label>
        side
        <select
          value={display.side}
          data-testid="side-picker"
          onChange={(event) => onChange({ ...display, side: event.target.value as SideFilter })}
        >
          <option value="both">long + short</option>
          <option value="long">long</option>
          <option value="short">short</option>
        </select>
      </label>
    </div>
  );
}
