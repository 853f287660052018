import { defineConfig, type Plugin } from 'vite';

// Development only: `npx vite` serves the page and forwards the API to a running server.
const target = process.env.TRIALFHIR_DEV_TARGET ?? 'http://127.0.0.1:8090';

/** Until the server serves /config.json, the dev server answers a security-off default. */
function devConfigFallback(): Plugin {
  return {
    name: 'trialfhir-dev-config',
    configureServer(server) {
      server.middlewares.use('/config.json', async (_req, res) => {
        const upstream = await fetch(target + '/config.json').catch(() => null);
        res.setHeader('Content-Type', 'application/json');
        if (upstream && upstream.ok) {
          res.end(await upstream.text());
        } else {
          res.end(JSON.stringify({ fhirBase: '/fhir', authRequired: false, clientId: 'coordinator-page', scope: 'openid user/*.cruds' }));
        }
      });
    },
  };
}

const forward = { target, changeOrigin: false };

export default defineConfig({
  plugins: [devConfigFallback()],
  // fhirclient's "pure" browser build: modern browsers have fetch and AbortController, so its
  // polyfills (cross-fetch, abortcontroller-polyfill) stay out of the bundle.
  define: { FHIRCLIENT_PURE: 'true' },
  build: {
    outDir: '../src/main/resources/static',
    emptyOutDir: true,
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/fhir': forward, '/oauth2': forward, '/login': forward, '/logout': forward, '/.well-known': forward, '/dev-ehr': forward },
  },
});
