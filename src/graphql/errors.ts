import { GraphQLError } from 'graphql';

/** Error codes a client can branch on (docs/api.md lists them all). */
export const ErrorCode = {
  InvalidSymbol: 'INVALID_SYMBOL',
  BadUserInput: 'BAD_USER_INPUT',
  NotReady: 'NOT_READY',
} as const;

export function invalidSymbolError(invalid: readonly string[], valid: readonly string[]): GraphQLError {
  const list = invalid.join(', ');
  return new GraphQLError(
    `Unknown symbol${invalid.length > 1 ? 's' : ''} ${list}; valid symbols: ${valid.join(', ')}`,
    {
      extensions: { code: ErrorCode.InvalidSymbol, invalidSymbols: [...invalid], validSymbols: [...valid] },
    },
  );
}

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput } });
}

export function notReadyError(symbol: string): GraphQLError {
  return new GraphQLError(`No market data for ${symbol} yet; retry shortly`, {
    extensions: { code: ErrorCode.NotReady },
  });
}
