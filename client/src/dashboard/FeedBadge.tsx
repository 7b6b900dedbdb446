import type { MarketSourceQuery } from '../gql/graphql.js';

const labels = {
  CONNECTING: 'feed connecting',
  LIVE: 'feed live',
  DEGRADED: 'feed degraded',
  STOPPED: 'feed stopped',
} as const;

/** The market feed's own state (the server's `marketSource`, useMarketSource): a stalled exchange shows here. */
export function FeedBadge({ source }: { source: MarketSourceQuery['marketSource'] | null }) {
  if (!source) return null;
  return (
    <div className="feed" data-testid="feed-status" data-state={source.state} title={source.detail ?? undefined}>
      <span className="feed-label">{labels[source.state]}</span>
      {source.state !== 'LIVE' && source.detail && <span className="feed-detail">{source.detail}</span>}
    </div>
  );
}
