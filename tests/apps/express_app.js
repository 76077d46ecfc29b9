'use strict';
// An express app for probe/test/traffic.test.js: a router mounted at /api
// (GET /api/items/:id) and GET /health, on 127.0.0.1 and a free port; prints
// {"port":N} when listening.
const express = require('express');
const app = express();
const api = express.Router();
api.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
app.use('/api', api);
app.get('/health', (req, res) => res.send('ok'));
const server = app.listen(0, '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
