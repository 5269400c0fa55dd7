// The process editor: bpmn-js Modeler, its properties panel with the Clueflow group (what the engine
// reads), the token simulation to step a process before it is published, and the server's problems
// marked on the elements they concern. Provides window.ClueflowEditors.bpmn.

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import TokenSimulationModule from 'bpmn-js-token-simulation';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import ClueflowPropertiesProvider from './editor-properties.js';
import translateModule from './editor-translate.js';
import { keepSimulationChinese } from './simulation-words.js';
import { placeOf, problemsBox, provide, renderProblems, severityOf } from './editor-problems.js';
import { ENGLISH, t } from './lang.js';
import './bpmn-editor.css';

const clueflowPropertiesModule = {
  __init__: [ 'clueflowPropertiesProvider' ],
  clueflowPropertiesProvider: [ 'type', ClueflowPropertiesProvider ]
};

function elementName(registry, id) {
  const element = registry.get(id);
  const name = element && element.businessObject && element.businessObject.name;
  return name ? `${name}（${id}）` : id;
}

function simulationButton(modeler, container) {
  const toggle = modeler.get('toggleMode');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'cf-tool cf-simulate';
  button.dataset.role = 'simulate';
  const label = (on) => {
    button.textContent = on ? t('结束模拟，返回编辑', 'End the simulation') : t('模拟运行（令牌）', 'Simulate (tokens)');
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.title = on ? t('退出模拟，继续编辑流程', 'Leave the simulation and go on editing')
      : t('在发布前逐步模拟流程的走向（不影响文件）', 'Step through the process before publishing it (the file is not changed)');
  };
  label(false);
  button.addEventListener('click', () => toggle.toggleMode());
  modeler.on('tokenSimulation.toggleMode', ({ active }) => {
    label(active);
    container.classList.toggle('cf-simulating', active);
    const canvas = modeler.get('canvas');
    const root = canvas.getRootElement();
    const start = modeler.get('elementRegistry').find((e) => e.type === 'bpmn:StartEvent' && e.parent === root);
    if (active && start && canvas.zoom() < 0.7) {
      // The play buttons are hidden on a diagram shrunk to fit: start where the process starts.
      canvas.zoom(1);
      canvas.scrollToElement(start);
    }
  });
  return button;
}

async function bpmn(container, { xml, propertiesContainer, packInfo = {} } = {}) {
  const modeler = new BpmnModeler({
    container,
    propertiesPanel: propertiesContainer ? { parent: propertiesContainer } : undefined,
    additionalModules: [
      translateModule,
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      clueflowPropertiesModule,
      TokenSimulationModule
    ],
    moddleExtensions: { camunda: camundaModdle },
    clueflow: { packInfo }
  });
  const { warnings } = await modeler.importXML(xml);
  warnings.forEach((w) => console.warn(w.message)); // eslint-disable-line no-console
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  const selection = modeler.get('selection');
  canvas.zoom('fit-viewport', 'auto');
  const root = canvas.getRootElement();
  const start = registry.find((e) => e.type === 'bpmn:StartEvent' && e.parent === root);
  if (canvas.zoom() < 0.5 && start) {
    // A long process shrunk to fit cannot be read: open at a readable size, where it starts.
    canvas.zoom(0.8);
    const box = canvas.viewbox();
    canvas.viewbox({ ...box, x: start.x - 60, y: start.y + start.height / 2 - box.height / 2 });
  }

  const tools = document.createElement('div');
  tools.className = 'cf-canvas-tools';
  const zoomButton = (text, title, action) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'cf-tool';
    b.textContent = text;
    b.title = title;
    b.addEventListener('click', action);
    return b;
  };
  tools.append(
    simulationButton(modeler, container),
    zoomButton(t('全图', 'Fit'), t('缩放到整个流程', 'Show the whole process'), () => canvas.zoom('fit-viewport', 'auto')),
    zoomButton('＋', t('放大', 'Zoom in'), () => canvas.zoom(canvas.zoom() * 1.2)),
    zoomButton('－', t('缩小', 'Zoom out'), () => canvas.zoom(canvas.zoom() / 1.2))
  );
  container.append(tools);
  if (!ENGLISH) {  // the library's own words are English
    keepSimulationChinese(container);
  }

  const listeners = [];
  modeler.on('commandStack.changed', () => listeners.forEach((fn) => fn()));

  let marked = [];
  function clearMarks() {
    overlays.remove({ type: 'cf-problem' });
    marked.forEach((id) => {
      canvas.removeMarker(id, 'cf-problem-error');
      canvas.removeMarker(id, 'cf-problem-warning');
    });
    marked = [];
  }

  function pick(problem) {
    const element = problem.element && registry.get(problem.element);
    if (!element) {
      return;
    }
    selection.select(element);
    if (canvas.zoom() < 0.8) {
      canvas.zoom(1);
    }
    canvas.scrollToElement(element);
  }

  function showProblems(problems = []) {
    clearMarks();
    const byElement = new Map();
    problems.forEach((p) => {
      if (p.element && registry.get(p.element)) {
        byElement.set(p.element, [ ...(byElement.get(p.element) || []), p ]);
      }
    });
    byElement.forEach((found, id) => {
      const worst = found.some((p) => severityOf(p) === 'error') ? 'error' : 'warning';
      canvas.addMarker(id, `cf-problem-${worst}`);
      marked.push(id);
      const badge = document.createElement('div');
      badge.className = `cf-problem-badge cf-problem-badge-${worst}`;
      badge.dataset.element = id;
      badge.textContent = `${worst === 'error' ? '✖' : '⚠'} ${found.length}`;
      badge.title = found.map((p) => p.message).join('\n');
      overlays.add(id, 'cf-problem', { position: { top: -12, right: 12 }, html: badge, scale: { min: 1 } });
    });
    renderProblems(problemsBox(container), problems, {
      onPick: pick,
      placed: (p) => byElement.has(p.element),
      label: (p) => (p.element && registry.get(p.element) ? placeOf({ ...p, element: elementName(registry, p.element) }, t('元素', 'element'))
        : placeOf(p, t('元素', 'element')))
    });
  }

  return {
    modeler,
    async getText() {
      const { xml: text } = await modeler.saveXML({ format: true });
      return text;
    },
    showProblems,
    onChange(fn) {
      listeners.push(fn);
    }
  };
}

provide({ bpmn });
