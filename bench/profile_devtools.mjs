// profile_devtools.mjs PROFILE — the Bottom-Up rows of a .cpuprofile as
// Chrome DevTools computes them, from DevTools' own model code
// (front_end/models/cpu_profile/*.ts of the chrome-devtools-frontend npm
// package, transpiled here with typescript): CPUProfileDataModel.forEachFrame
// opens and closes one frame per call, and the rows sum them as TraceTree's
// BottomUpRootNode does — self time per function id, total time of the
// frames with no open caller frame of the same id.  Prints JSON.
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath, pathToFileURL } from 'url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ts = require('typescript');
const src = path.join(here, 'node_modules/chrome-devtools-frontend/front_end/models/cpu_profile');
const out = fs.mkdtempSync('/tmp/vitals-devtools-');
fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
for (const f of ['CPUProfileDataModel', 'ProfileTreeModel']) {
	const code = fs.readFileSync(path.join(src, f + '.ts'), 'utf8')
		.replace("'../../core/platform/platform.js'", "'./platform.js'");
	const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
	fs.writeFileSync(path.join(out, f + '.js'), js.outputText);
}
// the one platform helper the model uses
fs.writeFileSync(path.join(out, 'platform.js'), `export const ArrayUtilities = {
	DEFAULT_COMPARATOR: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
	lowerBound(array, needle, comparator, left, right) {
		let l = left || 0, r = right !== undefined ? right : array.length;
		while (l < r) { const m = (l + r) >> 1; if (comparator(needle, array[m]) > 0) l = m + 1; else r = m; }
		return r;
	},
};
`);
const { CPUProfileDataModel } = await import(pathToFileURL(path.join(out, 'CPUProfileDataModel.js')));
fs.rmSync(out, { recursive: true });

const model = new CPUProfileDataModel(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
// TraceTree's generateEventID for a profile call
const id = (n) => `${n.callFrame.functionName}@${n.callFrame.scriptId || n.callFrame.url || ''}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
const rows = new Map();
const open = [];
model.forEachFrame((depth, node) => open.push(id(node)), (depth, node, i, start, dur, self) => {
	const k = open.pop();
	let r = rows.get(k);
	if (!r) {
		r = { name: node.callFrame.functionName || '(anonymous)', url: node.callFrame.url, line: node.callFrame.lineNumber + 1, self_ms: 0, total_ms: 0 };
		rows.set(k, r);
	}
	r.self_ms += self;
	if (!open.includes(k))
		r.total_ms += dur;
});
console.log(JSON.stringify({ duration_ms: model.profileEndTime - model.profileStartTime, functions: [...rows.values()] }));
