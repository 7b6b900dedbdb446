import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard: `vite build` (npm run build:client) writes client/dist, which the server serves at `/`.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
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
