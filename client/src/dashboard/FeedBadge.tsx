import { useEffect } from 'react';
import { useQuery } from 'urql';
import { MarketSourceQuery } from '../lib/documents.js';

const labels = {
  CONNECTING: 'feed connecting',
  LIVE: 'feed live',
  DEGRADED: 'feed degraded',
  STOPPED: 'feed stopped',
} as const;

/** The market feed's own state (the server's `marketSource`), asked every `everyMs`: a stalled exchange shows here. */
export function FeedBadge({ everyMs }: { everyMs: number }) {
  const [result, refetch] = useQuery({ query: MarketSourceQuery, requestPolicy: 'network-only' });
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), everyMs);
    return () => clearInterval(timer);
  }, [refetch, everyMs]);
  const source = result.data?.marketSource;
  if (!source) return null;
  return (
    <div className="feed" data-testid="feed-status" data-state={source.state} title={source.detail ?? undefined}>
      <span className="feed-label">{labels[source.state]}</span>
      {source.state !== 'LIVE' && source.detail && <span className="feed-detail">{source.detail}</span>}
    </div>
  );
}
