// `n8n-node build` compiles TypeScript and copies icons (*.png, *.svg) only. The codex files
// (*.node.json: categories, docs links, aliases) must ship too, or n8n shows the nodes without
// them: copy every static file tsc does not emit into dist/, keeping the folder layout.
const { src, dest, task } = require('gulp');

function copyStaticFiles() {
	return src(['nodes/**/*.node.json', 'credentials/**/*.json'], { base: '.', allowEmpty: true }).pipe(
		dest('dist'),
	);
}

task('build:static', copyStaticFiles);
