// Loads each .bpmn file the way the rule editor's bpmn-js Modeler does (bpmn-moddle with our spiffworkflow
// descriptor, web/static/rules/spiffworkflow_moddle.json) and writes it back unchanged. Prints one JSON line per
// file: {file, warnings, spiff_before, spiff_after, xml} so a test can check nothing spiffworkflow is lost.
import fs from 'fs';
import { BpmnModdle } from 'bpmn-moddle';

const spiff = JSON.parse(fs.readFileSync(new URL('../web/static/rules/spiffworkflow_moddle.json', import.meta.url)));

function spiffElements(xml) {
  return [...xml.matchAll(/<spiffworkflow:(\w+)([^>]*?)(?:\/>|>([^<]*)<\/spiffworkflow:\1>)/g)]
    .map((m) => [m[1], m[2].replace(/\s+/g, ' ').trim(), (m[3] || '').trim()].join('|')).sort();
}

for (const file of process.argv.slice(2)) {
  const xml = fs.readFileSync(file, 'utf8');
  const moddle = new BpmnModdle({ spiffworkflow: spiff });
  const { rootElement, warnings } = await moddle.fromXML(xml);
  const { xml: out } = await moddle.toXML(rootElement, { format: true });
  console.log(JSON.stringify({
    file, warnings: warnings.map((w) => w.message), spiff_before: spiffElements(xml), spiff_after: spiffElements(out),
    xml: out,
  }));
}
