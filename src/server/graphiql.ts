import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderGraphiQL as renderSelfContained } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Logger } from 'pino';
import { GRAPHIQL_MANIFEST, type GraphiqlManifest } from './graphiql-manifest.js';

/** JSON inside an inline <script>: no `</script>` or `<!--` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** yoga's GraphiQL page as a small HTML document linking the assets the build emitted. */
function renderLinked(assets: GraphiqlManifest, opts: GraphiQLOptions): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(opts.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(opts.favicon ?? assets.favicon)}" />
    <link rel="stylesheet" href="${assets.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(assets.workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${assets.js}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(opts)});
    </script>
  </body>
</html>
`;
}

/**
 * yoga's `renderGraphiQL`: the same GraphiQL and the same options (yoga's `graphiql` setting), but
 * the page links its script, stylesheet, workers and fonts as cached files of the dashboard build
 * (client/dist/assets, see client/graphiql-assets.ts) instead of inlining 9 MB into every visit.
 * Without a build it falls back to the self-contained page, so GraphiQL works either way and never
 * needs a CDN.
 */
export function graphiqlRenderer(clientDist: string, logger: Logger): (opts: GraphiQLOptions) => string {
  let assets: GraphiqlManifest;
  try {
    assets = JSON.parse(readFileSync(path.join(clientDist, GRAPHIQL_MANIFEST), 'utf8')) as GraphiqlManifest;
  } catch {
    logger.warn(
      { event: 'graphiql_unbuilt', clientDist },
      'GraphiQL assets are not built (npm run build:client): serving the self-contained 9 MB page',
    );
    return renderSelfContained;
  }
  return (opts) => renderLinked(assets, opts);
}
