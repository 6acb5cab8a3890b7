/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` proxies the API to a running `itinera serve --dir FOLDER --port 7878`
// (override with ITINERA_API=http://127.0.0.1:N). Start both with the same ITINERA_API_TOKEN:
// the proxy adds it to every call (the dev server's page has no token of its own) and drops the
// browser's Origin, which the server would refuse as another site's.
export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same dist works behind `itinera serve` and inside Tauri.
  base: './',
  server: {
    proxy: {
      '/api': {
        target: process.env.ITINERA_API ?? 'http://127.0.0.1:7878',
        headers: { 'X-Itinera-Token': process.env.ITINERA_API_TOKEN ?? '' },
        configure: (proxy) => proxy.on('proxyReq', (request) => request.removeHeader('origin')),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
})
