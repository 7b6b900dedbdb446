import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { constants as zlib } from 'node:zlib';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';
import { graphiqlAssets } from './graphiql-assets.js';

// The dashboard and GraphiQL's assets: `vite build` (npm run build:client) writes client/dist, which
// the server serves at `/` (docs/operations.md, "HTTP: compression and caching").
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [
    react(),
    graphiqlAssets(),
    // Every file above 1 KB also as .br (quality 11) and .gz (level 9), compressed once here; the
    // server sends the variant the browser accepts.
    compression({
      algorithms: [
        // The largest window browsers accept (16 MB): GraphiQL's 5 MB script compresses a little better.
        defineAlgorithm('brotliCompress', {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_LGWIN]: 24 },
        }),
        'gzip',
      ],
      include: /\.(html|css|json|js|svg|ttf|ico)$/,
      threshold: 1024,
      skipIfLargerOrEqual: true,
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `vite` dev server: the GraphQL server runs on :4000 (npm start).
    proxy: { '/graphql': { target: 'http://localhost:4000', ws: true }, '/health': 'http://localhost:4000' },
  },
});
