// The baseline for `bench api`: the same HTTP stack (Hono on @hono/node-server) answering a fixed
// JSON body, with no auth, validation or database. Prints its URL, then serves until killed.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const body = { jobId: '01m8hh1rwgnr9p2a6k5x32xmdr', name: 'fixed', status: 'PENDING', items: [] };
const app = new Hono();
app.all('*', (c) => c.json(body));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`http://127.0.0.1:${info.port}`));
