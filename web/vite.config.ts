/**
 * The dashboard's build: a static bundle in web/dist that the GraphQL gateway
 * serves at `/`. Asset URLs are relative (`base: './'`), so the bundle works
 * under any path prefix. `npm run dev:web` proxies /graphql to a running
 * gateway (GATEWAY_URL, default http://127.0.0.1:4000).
 */
import { defineConfig, loadEnv } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig(({ mode }) => {
  const gateway = loadEnv(mode, '.', '').GATEWAY_URL ?? 'http://127.0.0.1:4000';
  return {
    base: './',
    plugins: [svelte()],
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      target: 'es2022',
      // ECharts core + 5 chart types is ~570 kB (195 kB gzipped), cached separately.
      chunkSizeWarningLimit: 700,
      // ECharts (tree-shaken to the charts used) is the bulk of the bundle: its own file, cached across releases.
      rollupOptions: {
        output: { manualChunks: (id: string) => (id.includes('node_modules/echarts') || id.includes('node_modules/zrender') ? 'echarts' : undefined) },
      },
    },
    server: { proxy: { '/graphql': { target: gateway, changeOrigin: true } } },
  };
});
