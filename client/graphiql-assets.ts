import * as graphiql from '@graphql-yoga/render-graphiql/graphiql';
import type { Plugin } from 'vite';
import { GRAPHIQL_MANIFEST, type GraphiqlManifest } from '../src/server/graphiql-manifest.js';

const DATA_URL = /url\((["']?)data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)\1\)/g;
const EXTENSIONS: Record<string, string> = {
  'font/woff2': '.woff2',
  'font/woff': '.woff',
  'font/ttf': '.ttf',
  'image/png': '.png',
  'image/svg+xml': '.svg',
  'image/x-icon': '.ico',
};

/**
 * yoga's self-contained GraphiQL (@graphql-yoga/render-graphiql) is one 9 MB HTML page: script,
 * stylesheet, Monaco's three workers, every font and the favicon inlined, sent again on every visit.
 * This emits the same pieces as content-hashed files of the dashboard build instead, each fetched
 * once, compressed with the rest of the build and cached for good; the stylesheet's inlined fonts
 * become files of their own, so the browser fetches only the faces it uses. No CDN is involved.
 */
export function graphiqlAssets(): Plugin {
  return {
    name: 'graphiql-assets',
    apply: 'build',
    generateBundle() {
      const emit = (name: string, source: string | Uint8Array) =>
        `/${this.getFileName(this.emitFile({ type: 'asset', name, source }))}`;
      const fromDataUrl = (name: string, dataUrl: string) => {
        const [, type = '', data = ''] = /^data:([\w/+.-]+);base64,(.*)$/s.exec(dataUrl) ?? [];
        return emit(`${name}${EXTENSIONS[type] ?? ''}`, Buffer.from(data, 'base64'));
      };
      const css = graphiql.css.replace(
        DATA_URL,
        (_match, _quote, type: string, data: string) =>
          `url(${fromDataUrl('graphiql-font', `data:${type};base64,${data}`)})`,
      );
      const manifest: GraphiqlManifest = {
        css: emit('graphiql.css', css),
        js: emit('graphiql.js', graphiql.js),
        favicon: fromDataUrl('graphiql-favicon', graphiql.favicon),
        workers: {
          editorWorkerService: emit('graphiql-editor.worker.js', graphiql.editorWorkerService),
          json: emit('graphiql-json.worker.js', graphiql.jsonWorker),
          graphql: emit('graphiql-graphql.worker.js', graphiql.graphqlWorker),
        },
      };
      this.emitFile({ type: 'asset', fileName: GRAPHIQL_MANIFEST, source: JSON.stringify(manifest, null, 2) });
    },
  };
}
