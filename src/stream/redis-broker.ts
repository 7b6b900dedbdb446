import type { Logger } from 'pino';
import type { FrameContent, Frame } from '../heatmap/types.js';
import { memoryBroker, type FrameBroker, type FrameHandler } from './broker.js';
import type { PublisherLease } from './publisher-lease.js';
import { safeRedisEventTarget } from './redis-event-target.js';
import type { RedisKeys } from './redis-keys.js';
import { isCommandTimeout, type RedisLink } from './redis-link.js';

/*
 * Scripts are sent with EVAL (not EVALSHA): they are small, sent about once per tick, and survive a
 * Redis restart, which empties the script cache.
 */

/**
 * The fenced publish: only the lease owner gets a seq, and allocating it, storing the frame as the
 * latest and publishing it are one atomic step. The seq never goes below the caller's floor (the
 * latest seq it has shown its clients). The frame JSON is spliced, not re-encoded, so numbers keep
 * their exact digits. KEYS: lease, seq, latest. ARGV: owner, floor, frame JSON without its `{`, channel.
 */
const PUBLISH_FRAME = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local seq = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[2])) + 1
redis.call('SET', KEYS[2], seq)
local frame = '{"seq":' .. seq .. ',' .. ARGV[3]
redis.call('SET', KEYS[3], frame)
redis.call('PUBLISH', ARGV[4], frame)
return seq`;

/** Raises the stored seq to at least ARGV[1] (reconciliation after an outage or a Redis restart). */
const RAISE_SEQ = `
local seq = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]))
redis.call('SET', KEYS[1], seq)
return seq`;

/**
 * - connecting: before the first contact with Redis; publishes nothing (a relay must not race the holder).
 * - reconciling: Redis answered; raising the shared seqs to this instance's and loading the latest frames.
 * - coordinated: publishes the symbols whose lease it holds, relays the others.
 * - fallback: Redis unusable; publishes every symbol from its own engine to its own clients.
 */
export type BrokerMode = 'connecting' | 'reconciling' | 'coordinated' | 'fallback';

export interface RedisBrokerOptions {
  link: RedisLink;
  keys: RedisKeys;
  lease: PublisherLease;
  symbols: readonly string[];
  /** This process's hub. */
  handler: FrameHandler;
  /** The latest seq this process has shown its clients (its hub's), 0 before any. */
  shownSeq: (symbol: string) => number;
  log: Logger;
}

/**
 * The broker of a scaled-out instance. Coordinated, the lease holder of a symbol publishes it through
 * the fenced script, and every instance's handler (the holder's included, and only from there) gets
 * it from the symbol's Redis channel, through yoga's Redis event target. When Redis fails, the
 * instance falls back to numbering its own frames straight into its handler, so its clients keep
 * live frames; when Redis is usable again it reconciles first: each symbol's shared seq is raised to
 * at least the latest seq this instance has shown, and the handler gets Redis's latest frame, so no
 * client of any instance sees a seq repeat or go back (the hub passes on only newer frames).
 */
export class RedisBroker implements FrameBroker {
  private current: BrokerMode = 'connecting';
  private readonly fallback: FrameBroker;
  private readonly link: RedisLink;
  private readonly keys: RedisKeys;
  private readonly lease: PublisherLease;
  private readonly log: Logger;
  private readonly unsubscribe: () => void;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private maintaining = false;
  private stopped = false;

  constructor(private readonly options: RedisBrokerOptions) {
    ({ link: this.link, keys: this.keys, lease: this.lease, log: this.log } = options);
    const { link, keys, symbols, handler } = options;
    this.fallback = memoryBroker(handler, options.shownSeq);
    // Every instance's frames arrive here, this one's included: the fenced script publishes them.
    const target = safeRedisEventTarget(link);
    const onMessage = (event: CustomEvent<Frame | null>) => {
      if (event.detail) handler(event.detail);
    };
    for (const symbol of symbols) target.addEventListener(keys.channel(symbol), onMessage);
    this.unsubscribe = () => {
      for (const symbol of symbols) target.removeEventListener(keys.channel(symbol), onMessage);
    };
    link.onChange((state) => {
      if (state === 'up') void this.maintain();
      else this.enterFallback('redis down');
    });
  }

  get mode(): BrokerMode {
    return this.current;
  }

  start(): void {
    this.timer = setInterval(() => void this.maintain(), this.lease.renewEveryMs);
    void this.maintain();
  }

  /** Stops publishing and gives the leases back, so another instance takes over without waiting for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.link.up()) await this.lease.release().catch((error: unknown) => this.link.failed(error));
  }

  /** Stops receiving frames (after `stop`, before the link closes). */
  close(): void {
    this.unsubscribe();
  }

  isPublisher(symbol: string): boolean {
    return this.current === 'fallback' || (this.current === 'coordinated' && this.lease.holds(symbol));
  }

  async publish(content: FrameContent, generatedAt: number): Promise<Frame | null> {
    if (this.current === 'fallback') return this.fallback.publish(content, generatedAt);
    const { stream: symbol } = content;
    const body = JSON.stringify({ ...content, generatedAt }).slice(1);
    try {
      const seq = await this.link.commands.eval(
        PUBLISH_FRAME,
        3,
        this.keys.lease(symbol),
        this.keys.seq(symbol),
        this.keys.latest(symbol),
        this.lease.owner,
        this.floor(symbol),
        body,
        this.keys.channel(symbol),
      );
      if (seq === null) {
        this.lease.lost(symbol);
        this.log.info({ event: 'lease_lost', symbol });
        return null;
      }
      // The handler gets it from the channel, like every other instance's.
      return { ...content, seq: Number(seq), generatedAt };
    } catch (error) {
      this.link.failed(error);
      // No answer in time: Redis may be slow rather than gone, and the script may still run there.
      // This tick's frame is not published (the next tick tries again); the link decides when
      // Redis counts as down, and then this instance falls back.
      if (isCommandTimeout(error)) return null;
      this.enterFallback('publish failed');
      return this.fallback.publish(content, generatedAt);
    }
  }

  private floor(symbol: string): number {
    return this.options.shownSeq(symbol);
  }

  /** Runs every lease renewal period and when Redis comes back: renews leases, or leaves fallback. */
  private async maintain(): Promise<void> {
    if (this.maintaining || this.stopped) return;
    this.maintaining = true;
    const before = this.current;
    try {
      if (this.current !== 'coordinated') {
        if (!this.link.up()) {
          if (this.current === 'connecting' && Date.now() - this.startedAt > this.lease.ttlMs)
            this.enterFallback('redis unreachable at start');
          return;
        }
        this.current = 'reconciling';
        await this.reconcile();
        // Redis may have failed again meanwhile (then this instance is already in fallback).
        if (this.current !== 'reconciling') return;
        this.current = 'coordinated';
        this.log.info({ event: 'redis_coordinated', owner: this.lease.owner });
      }
      const held = new Set(this.lease.held());
      const orphaned = new Set(this.lease.orphaned());
      await this.lease.refresh();
      for (const symbol of this.options.symbols) {
        const holds = this.lease.holds(symbol);
        if (holds !== held.has(symbol))
          this.log.info({ event: holds ? 'lease_acquired' : 'lease_lost', symbol, owner: this.lease.owner });
      }
      for (const symbol of this.lease.orphaned())
        if (!orphaned.has(symbol))
          this.log.warn(
            { event: 'publisher_missing', symbol },
            'no instance publishes this symbol: its lease holder stopped renewing; another takes over when the lease expires',
          );
    } catch (error) {
      this.link.failed(error);
      // A timeout is left to the link (see publish); the mode stays what it was.
      if (!isCommandTimeout(error)) this.enterFallback('redis command failed');
      else if (this.current === 'reconciling') this.current = before;
    } finally {
      this.maintaining = false;
    }
  }

  /** Shared seq ≥ every seq this instance has shown, and this handler given Redis's latest frame. */
  private async reconcile(): Promise<void> {
    const pipeline = this.link.commands.pipeline();
    for (const symbol of this.options.symbols) {
      pipeline.eval(RAISE_SEQ, 1, this.keys.seq(symbol), this.floor(symbol));
      pipeline.get(this.keys.latest(symbol));
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    this.options.symbols.forEach((symbol, i) => {
      const latest = results[2 * i + 1]?.[1];
      if (typeof latest !== 'string') return;
      const frame = JSON.parse(latest) as Frame;
      if (frame.stream === symbol) this.options.handler(frame);
    });
  }

  private enterFallback(reason: string): void {
    if (this.stopped || this.current === 'fallback') return;
    this.current = 'fallback';
    this.lease.forgetAll();
    this.log.warn(
      { event: 'redis_fallback', reason, lastError: this.link.lastError },
      "Redis unusable: publishing every symbol from this instance's own engine",
    );
  }
}
