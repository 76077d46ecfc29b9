# probe: the in-process JavaScript half (doc/PROTOCOL.md). Installed as
# <datadir>/vitals/probe/vitals-probe.js, where base/paths.c looks for it.
probedir = $(pkgdatadir)/probe
dist_probe_DATA = probe/vitals-probe.js
EXTRA_DIST += probe/test/helpers.js probe/test/sampling.test.js \
	probe/test/commands.test.js probe/test/lifecycle.test.js probe/test/lag.test.js \
	probe/test/traffic.test.js tests/apps/package.json tests/apps/http_app.js \
	tests/apps/pool_task.js tests/apps/leak_worker.js tests/apps/express_app.js
