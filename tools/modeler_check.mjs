// Reads each .bpmn/.dmn file the way bpmn-js and dmn-js do (bpmn-moddle, dmn-moddle) and lints BPMN
// files with bpmnlint's recommended rules; prints one JSON line per file: {file, warnings, lint}.
import fs from 'fs';
import { BpmnModdle } from 'bpmn-moddle';
import * as dmnModdle from 'dmn-moddle';
import Linter from 'bpmnlint/lib/linter.js';
import NodeResolver from 'bpmnlint/lib/resolver/node-resolver.js';

const DmnModdle = dmnModdle.default || dmnModdle.DmnModdle;

for (const file of process.argv.slice(2)) {
  const xml = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.dmn')) {
    const { warnings } = await new DmnModdle().fromXML(xml, 'dmn:Definitions');
    console.log(JSON.stringify({ file, warnings: warnings.map((w) => w.message), lint: [] }));
    continue;
  }
  const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
  const linter = new Linter({ config: { extends: 'bpmnlint:recommended' }, resolver: new NodeResolver() });
  const reports = await linter.lint(rootElement);
  const lint = [];
  for (const [rule, found] of Object.entries(reports)) {
    for (const r of found) lint.push({ rule, id: r.id, category: r.category, message: r.message });
  }
  console.log(JSON.stringify({ file, warnings: warnings.map((w) => w.message), lint }));
}
