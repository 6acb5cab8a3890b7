/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` proxies the API to a running `itinera serve --dir FOLDER --port 7878`
// (override with ITINERA_API=http://127.0.0.1:N).
export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same dist works behind `itinera serve` and inside Tauri.
  base: './',
  server: {
    proxy: {
      '/api': process.env.ITINERA_API ?? 'http://127.0.0.1:7878',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
})
