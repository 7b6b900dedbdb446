import type { Exchange, HeatmapWindow } from '../gql/graphql.js';
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

/**
 * All the server's exchanges summed (the default), or any subset: "all" selects every one; toggling an
 * exchange narrows or widens the set, and the last one cannot be switched off. (Which books a frame
 * holds, a stalled feed left out, each panel shows.)
 */
export function ExchangePicker({
  exchanges,
  selected,
  onChange,
}: {
  exchanges: readonly Exchange[];
  /** null: all of them. */
  selected: readonly Exchange[] | null;
  onChange: (next: Exchange[] | null) => void;
}) {
  const all = exchanges;
  const isOn = (exchange: Exchange) => selected === null || selected.includes(exchange);
  const toggle = (exchange: Exchange) => {
    const next = all.filter((candidate) => (candidate === exchange ? !isOn(candidate) : isOn(candidate)));
    if (next.length > 0) onChange(next.length === all.length ? null : next);
  };
  if (all.length < 2) return null;
  return (
    <div className="picker" data-testid="exchange-picker" role="group" aria-label="Exchanges">
      <button type="button" data-testid="exchange-ALL" aria-pressed={selected === null} onClick={() => onChange(null)}>
        all
      </button>
      {exchanges.map((exchange) => (
        <button
          key={exchange}
          type="button"
          data-testid={`exchange-${exchange}`}
          aria-pressed={selected !== null && selected.includes(exchange)}
          onClick={() => toggle(exchange)}
        >
          {exchange.toLowerCase()}
        </button>
      ))}
    </div>
  );
}
