/**
 * Reads `seq`, `symbol` and `generatedAt` from the first bytes of a graphql-transport-ws `next`
 * message without parsing the (tens of KB) frame: the load generator's subscription selects them
 * first, so they sit at the start of the payload.
 */
const HEAD = /"symbol":"([^"]+)","seq":(\d+),"generatedAt":"([^"]+)"/;

export interface FrameHead {
  symbol: string;
  seq: number;
  generatedAt: number;
}

export function readFrameHead(message: Buffer): FrameHead | null {
  const match = HEAD.exec(message.toString('latin1', 0, Math.min(message.length, 320)));
  if (!match) return null;
  return { symbol: match[1]!, seq: Number(match[2]), generatedAt: Date.parse(match[3]!) };
}

/** The load generator's operation: head fields first (see above), then a realistic frame body. */
export const LOAD_QUERY =
  'subscription Load($symbols: [String!]!) { heatmapUpdated(symbols: $symbols) { symbol seq generatedAt timestamp currentPrice priceStep levels { price long short } positionsCreated positionsConsumed candle { open high low close } } }';
