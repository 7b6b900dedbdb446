import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../protocol.js';

interface ErrorBody {
  errors?: Array<{ message?: unknown; extensions?: Record<string, unknown> }>;
}

/** What a 4xx that yoga sends without a body means, in a client's words (docs/api.md, "Errors"). */
function emptyBodyError(response: Response): { message: string; code: string } {
  switch (response.status) {
    case 406: {
      const acceptable = response.headers.get('accept') ?? 'application/json';
      return {
        code: ErrorCode.NotAcceptable,
        message: `Not Acceptable: this result can be sent as ${acceptable.replaceAll('; charset=utf-8', '')} only; allow it in the Accept header`,
      };
    }
    case 415:
      return {
        code: ErrorCode.UnsupportedMediaType,
        message: 'Unsupported Media Type: POST a JSON body with Content-Type: application/json, or use GET',
      };
    default:
      return { code: ErrorCode.BadRequest, message: `${response.status} ${response.statusText || 'Bad Request'}` };
  }
}

function withoutOriginalError({ extensions, ...error }: NonNullable<ErrorBody['errors']>[number]) {
  const { originalError: _, ...rest } = extensions ?? {};
  return Object.keys(rest).length > 0 ? { ...error, extensions: rest } : error;
}

/**
 * Every 4xx from /graphql carries a GraphQL error body a client can parse (yoga sends some, such as
 * 406 and 415, empty) and `Cache-Control: no-store`, none carries the JSON parser's own error (yoga
 * echoes it as `extensions.originalError` in a malformed body's 400), and malformed JSON in a query
 * string is a 400 like a malformed body. 4xx bodies are a few hundred bytes, so reading one again
 * costs nothing that matters.
 */
export function httpErrorBodies(): Plugin {
  return {
    // yoga JSON-parses GET (and form) `variables`/`extensions` unguarded: a typo there was a 500.
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError('The variables and extensions parameters must be JSON', {
            extensions: { code: ErrorCode.BadRequest, http: { status: 400 } },
          });
        }
      });
    },
    async onResponse({ response, setResponse, fetchAPI }) {
      if (response.status < 400 || response.status >= 500) return;
      const text = await response.text();
      let body: ErrorBody | null;
      try {
        body = text ? (JSON.parse(text) as ErrorBody) : {};
      } catch {
        body = null; // not JSON: a body of its own (none of yoga's 4xx), kept as it is
      }
      const errors = body?.errors ?? [];
      let answer = text;
      if (body && errors.length === 0) {
        const { message, code } = emptyBodyError(response);
        answer = JSON.stringify({ errors: [{ message, extensions: { code } }] });
      } else if (errors.some((error) => error.extensions && 'originalError' in error.extensions)) {
        answer = JSON.stringify({ ...body, errors: errors.map(withoutOriginalError) });
      }
      const headers = new fetchAPI.Headers(response.headers);
      headers.delete('content-length');
      if (body) headers.set('content-type', 'application/json; charset=utf-8');
      // Never kept by a cache: a CDN must not serve a PersistedQueryNotFound for a hash that is
      // registered a moment later, nor any other refusal after its cause is gone.
      headers.set('cache-control', 'no-store');
      setResponse(new fetchAPI.Response(answer, { status: response.status, statusText: response.statusText, headers }));
    },
  };
}
