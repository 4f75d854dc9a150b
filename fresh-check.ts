import { ensureN8n } from './test/e2e/n8n-host';
ensureN8n().then((bin) => console.log('BIN', bin)).catch((e) => { console.error('FAILED', e); process.exit(1); });
