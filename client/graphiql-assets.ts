import * as graphiql from '@graphql-yoga/render-graphiql/graphiql';
import { minify, type Plugin } from 'vite';
import { GRAPHIQL_MANIFEST, type GraphiqlManifest } from '../src/server/graphiql-manifest.js';

const DATA_URL = /url\((["']?)data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)\1\)/g;
const EXTENSIONS: Record<string, string> = {
  'font/woff2': '.woff2',
  'font/woff': '.woff',
  'font/ttf': '.ttf',
  'image/png': '.png',
  'image/svg+xml': '.svg',
};

/** The package ships Monaco's workers unminified (2.7 MB); minified they are about half the bytes. */
async function minified(source: string): Promise<string> {
  const result = await minify('worker.js', source, {});
  if (result.errors.length > 0) throw new Error(`minifying a GraphiQL worker: ${result.errors[0]!.message}`);
  return result.code;
}

/** One image of an .ico (the package's favicon holds six sizes, 113 KB; a tab shows one). */
function iconOfSize(ico: Buffer, size: number): Buffer {
  for (let i = 0; i < ico.readUInt16LE(4); i++) {
    const entry = ico.subarray(6 + 16 * i, 22 + 16 * i);
    if (entry[0] !== size) continue;
    const image = ico.subarray(entry.readUInt32LE(12), entry.readUInt32LE(12) + entry.readUInt32LE(8));
    const header = Buffer.from([0, 0, 1, 0, 1, 0]);
    const single = Buffer.from(entry);
    single.writeUInt32LE(22, 12);
    return Buffer.concat([header, single, image]);
  }
  return ico;
}

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
    async generateBundle() {
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
      // Monaco's language workers are its editor worker plus a language module loaded on request, so
      // the JSON worker also serves as the plain editor worker: one script fewer to fetch (64 KB).
      const jsonWorker = emit('graphiql-json.worker.js', await minified(graphiql.jsonWorker));
      const graphqlWorker = emit('graphiql-graphql.worker.js', await minified(graphiql.graphqlWorker));
      const manifest: GraphiqlManifest = {
        css: emit('graphiql.css', css),
        js: emit('graphiql.js', graphiql.js),
        favicon: emit('graphiql-favicon.ico', iconOfSize(Buffer.from(graphiql.favicon.split(',')[1]!, 'base64'), 32)),
        workers: { editorWorkerService: jsonWorker, json: jsonWorker, graphql: graphqlWorker },
      };
      this.emitFile({ type: 'asset', fileName: GRAPHIQL_MANIFEST, source: JSON.stringify(manifest, null, 2) });
    },
  };
}
