import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';
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
      algorithms: ['brotliCompress', 'gzip'],
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
