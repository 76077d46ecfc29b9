// heap_devtools.mjs FILE.heapsnapshot — Chrome DevTools' Summary view of a
// heap snapshot, from DevTools' own heap-snapshot code (front_end/
// entrypoints/heap_snapshot_worker/HeapSnapshot.ts of the
// chrome-devtools-frontend npm package and its imports, transpiled here with
// typescript; two build-time files stubbed: the locale list, and nothing
// else is changed): JSHeapSnapshot built by createJSHeapSnapshotForTesting,
// then getAggregatesByClassKey, the rows of the Summary's "All objects".
// Prints JSON: {total, classes: [{name, count, self_size, retained_size}]}
// sorted by retained size.  Used by bench/heap_devtools.sh.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath, pathToFileURL } from 'url';

// Node 20 lacks Promise.withResolvers (Node 22 has it), which the model uses
if (!Promise.withResolvers)
	Promise.withResolvers = () => {
		let resolve, reject;
		const promise = new Promise((a, b) => { resolve = a; reject = b; });
		return { promise, resolve, reject };
	};
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = path.join(here, 'node_modules/chrome-devtools-frontend/front_end');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vitals-devtools-heap-'));

// transpile HeapSnapshot.ts and every module it imports (statically or by import())
const seen = new Set();
const todo = ['entrypoints/heap_snapshot_worker/HeapSnapshot.ts'];
while (todo.length) {
	const f = todo.pop();
	if (seen.has(f)) continue;
	seen.add(f);
	const code = fs.readFileSync(path.join(root, f), 'utf8');
	const deps = [...code.matchAll(/^(?:import|export)(?! type)[^;]*?from\s+'([^']+)'/gms), ...code.matchAll(/import\('([^']+)'\)/g)];
	for (const m of deps) {
		if (!m[1].startsWith('.')) continue;
		const dep = path.normalize(path.join(path.dirname(f), m[1]));
		if (fs.existsSync(path.join(root, dep.replace(/\.js$/, '.ts')))) {
			todo.push(dep.replace(/\.js$/, '.ts'));
		} else if (fs.existsSync(path.join(root, dep))) {
			fs.mkdirSync(path.join(out, path.dirname(dep)), { recursive: true });
			fs.copyFileSync(path.join(root, dep), path.join(out, dep));
		}
	}
	const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
	fs.mkdirSync(path.join(out, path.dirname(f)), { recursive: true });
	fs.writeFileSync(path.join(out, f.replace(/\.ts$/, '.js')), js.outputText);
}
fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
// generated when DevTools is built
fs.writeFileSync(path.join(out, 'core/i18n/locales.js'),
	"export const LOCALES = ['en-US']; export const BUNDLED_LOCALES = ['en-US']; export const DEFAULT_LOCALE = 'en-US';" +
	" export const LOCAL_FETCH_PATTERN = ''; export const REMOTE_FETCH_PATTERN = '';");
const HS = await import(pathToFileURL(path.join(out, 'entrypoints/heap_snapshot_worker/HeapSnapshot.js')));
const TA = await import(pathToFileURL(path.join(out, 'core/platform/TypedArrayUtilities.js')));
fs.rmSync(out, { recursive: true });

const json = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const big = (a) => {
	const b = TA.createFixedBigUint32Array(a.length);
	for (let i = 0; i < a.length; i++) b.setValue(i, a[i]);
	return b;
};
const profile = { ...json, nodes: big(json.nodes), edges: big(json.edges), locations: json.locations || [],
	samples: json.samples || [], trace_function_infos: json.trace_function_infos || [], trace_tree: json.trace_tree || [] };
const snap = await HS.createJSHeapSnapshotForTesting(profile);
const aggs = snap.getAggregatesByClassKey(false, 'allObjects');
const classes = Object.values(aggs).map((a) => ({ name: a.name, count: a.count, self_size: a.self, retained_size: a.maxRet }));
classes.sort((a, b) => b.retained_size - a.retained_size || b.self_size - a.self_size);
console.log(JSON.stringify({ total: snap.totalSize, classes }));
