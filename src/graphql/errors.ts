import { GraphQLError } from 'graphql';
import { ErrorCode } from '../protocol.js';

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
