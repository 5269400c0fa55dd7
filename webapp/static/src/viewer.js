// The read-only viewers of the pack page: bpmn-js for processes, dmn-js for decisions, form-js for forms;
// and the case page's diagram, with the steps already passed and the current ones marked.
// Each box names the raw file to fetch in a data attribute; the box's status line says what happened.

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import DmnViewer from 'dmn-js/lib/Viewer';
import { Form } from '@bpmn-io/form-js-viewer';

import { t } from './lang.js';
import translateModule from './translate.js';
import './viewer.css';

const VIEW_LABELS = {
  drd: t('决策关系图（DRD）', 'Decision requirements (DRD)'),
  decisionTable: t('决策表', 'Decision table'),
  literalExpression: t('字面表达式', 'Literal expression'),
  boxedExpression: t('表达式', 'Expression')
};

async function fetchText(url) {
  const response = await fetch(url, { headers: { Accept: 'application/xml, application/json' } });
  if (!response.ok) {
    throw new Error(t(`读取文件失败（HTTP ${response.status}）`, `the file could not be read (HTTP ${response.status})`));
  }
  return response.text();
}

function setStatus(box, text, state) {
  const status = box.querySelector('[data-role="status"]');
  if (status) {
    status.textContent = text;
    status.hidden = !text;
  }
  box.dataset.state = state;
}

/** The status line after an import: empty, or how many hints the importer gave. */
function imported(warnings) {
  const n = warnings.length;
  return n ? t(`已显示，导入时有 ${n} 条提示（见浏览器控制台）`, `Shown; the import gave ${n} hint(s) (see the browser console)`) : '';
}

function failed(box, what, error) {
  // eslint-disable-next-line no-console
  console.warn(`${what}: ${error && error.message}`);
  setStatus(box, t(`无法显示${what}：`, `The ${what} cannot be shown: `) + ((error && error.message) || error), 'error');
  box.classList.add('has-error');
}

function button(label, title, onClick) {
  const el = document.createElement('button');
  el.type = 'button';
  el.className = 'tool-button';
  el.textContent = label;
  el.title = title;
  el.addEventListener('click', onClick);
  return el;
}

async function showProcess(box) {
  const canvasEl = box.querySelector('.bpmn-canvas');
  const viewer = new NavigatedViewer({ container: canvasEl, additionalModules: [ translateModule ] });
  try {
    const { warnings } = await viewer.importXML(await fetchText(canvasEl.dataset.bpmnUrl));
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const root = canvas.getRootElement();
    const name = root && root.businessObject && root.businessObject.name;
    if (name) {
      box.querySelector('[data-role="name"]').textContent = name;
    }
    const tools = box.querySelector('[data-role="tools"]');
    tools.append(
      button(t('适应', 'Fit'), t('缩放到整个流程', 'Show the whole process'), () => canvas.zoom('fit-viewport', 'auto')),
      button('＋', t('放大', 'Zoom in'), () => canvas.zoom(canvas.zoom() * 1.2)),
      button('－', t('缩小', 'Zoom out'), () => canvas.zoom(canvas.zoom() / 1.2))
    );
    setStatus(box, imported(warnings), 'ready');
    warnings.forEach((w) => console.warn(w.message)); // eslint-disable-line no-console
  } catch (error) {
    failed(box, t('流程图', 'process diagram'), error);
  }
}

function viewLabel(view) {
  const kind = VIEW_LABELS[view.type] || view.type;
  return view.type === 'drd' ? kind : `${kind}：${view.name || view.id}`;
}

async function showDecision(box) {
  const container = box.querySelector('.dmn-container');
  const tabs = box.querySelector('[data-role="tabs"]');
  // dmn-js gives each view its own additionalModules (a `common` list would be overwritten).
  const translated = { additionalModules: [ translateModule ] };
  const viewer = new DmnViewer({
    container,
    drd: translated,
    decisionTable: translated,
    literalExpression: translated,
    boxedExpression: translated
  });

  function markActive() {
    const active = viewer.getActiveView();
    tabs.querySelectorAll('button').forEach((tab) => {
      const on = !!active && tab.dataset.viewId === active.element.id && tab.dataset.viewType === active.type;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.classList.toggle('active', on);
    });
    box.dataset.view = active ? active.type : '';
    if (active && active.type === 'drd') {
      viewer.getActiveViewer().get('canvas').zoom('fit-viewport', 'auto');
    }
  }

  function renderTabs() {
    tabs.replaceChildren(...viewer.getViews().map((view) => {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.dataset.viewId = view.element.id;
      tab.dataset.viewType = view.type;
      tab.textContent = viewLabel(view);
      tab.addEventListener('click', () => {
        viewer.open(view).catch((error) => failed(box, t('决策视图', 'decision view'), error));
      });
      return tab;
    }));
    markActive();
  }

  viewer.on('views.changed', renderTabs);
  try {
    const { warnings } = await viewer.importXML(await fetchText(container.dataset.dmnUrl));
    const definitions = viewer.getDefinitions();
    if (definitions && definitions.name) {
      box.querySelector('[data-role="name"]').textContent = definitions.name;
    }
    // Open the decision the file exposes (its id is the file stem), not the DRD around it.
    const exposed = viewer.getViews().find((view) => view.type !== 'drd' && view.element.id === box.dataset.stem);
    if (exposed) {
      await viewer.open(exposed);
    }
    renderTabs();
    setStatus(box, imported(warnings), 'ready');
    warnings.forEach((w) => console.warn(w.message)); // eslint-disable-line no-console
  } catch (error) {
    failed(box, t('决策', 'decision'), error);
  }
}

async function showForm(box) {
  if (box.dataset.state) {
    return;
  }
  setStatus(box, t('正在加载表单…', 'Loading the form…'), 'loading');
  const container = box.querySelector('.form-container');
  try {
    const schema = JSON.parse(await fetchText(container.dataset.formUrl));
    const form = new Form({ container, properties: { readOnly: true } });
    await form.importSchema(schema);
    setStatus(box, '', 'ready');
  } catch (error) {
    failed(box, t('表单', 'form'), error);
  }
}


function ids(value) {
  return (value || '').split(',').map((id) => id.trim()).filter(Boolean);
}

// The case page: the case's process, passed elements green, the current tasks blue.
async function showCaseDiagram(box) {
  box.dataset.state = 'loading';
  const viewer = new NavigatedViewer({ container: box, additionalModules: [ translateModule ] });
  try {
    const { warnings } = await viewer.importXML(await fetchText(box.dataset.bpmnUrl));
    warnings.forEach((w) => console.warn(w.message)); // eslint-disable-line no-console
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const active = new Set(ids(box.dataset.active));
    const mark = (id, marker) => {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    };
    ids(box.dataset.completed).filter((id) => !active.has(id)).forEach((id) => mark(id, 'cf-done'));
    active.forEach((id) => mark(id, 'cf-active'));
    // A flow between two passed elements was taken too.
    registry.filter((el) => el.waypoints && el.source && el.target).forEach((flow) => {
      const from = canvas.hasMarker(flow.source, 'cf-done');
      const to = canvas.hasMarker(flow.target, 'cf-done') || canvas.hasMarker(flow.target, 'cf-active');
      if (from && to) {
        canvas.addMarker(flow, 'cf-done');
      }
    });
    canvas.zoom('fit-viewport', 'auto');
    const tools = document.createElement('div');
    tools.className = 'diagram-tools';
    const focusActive = () => {
      const current = [ ...active ].map((id) => registry.get(id)).filter(Boolean);
      if (!current.length) {
        canvas.zoom('fit-viewport', 'auto');
        return;
      }
      canvas.zoom(1);
      const box0 = canvas.viewbox();
      const el = current[0];
      canvas.viewbox({ ...box0, x: el.x + el.width / 2 - box0.width / 2, y: el.y + el.height / 2 - box0.height / 2 });
    };
    tools.append(
      button(t('全图', 'Fit'), t('缩放到整个流程', 'Show the whole process'), () => canvas.zoom('fit-viewport', 'auto')),
      button(t('当前环节', 'Current step'), t('放大到当前环节', 'Zoom to the current step'), focusActive),
      button('＋', t('放大', 'Zoom in'), () => canvas.zoom(canvas.zoom() * 1.2)),
      button('－', t('缩小', 'Zoom out'), () => canvas.zoom(canvas.zoom() / 1.2))
    );
    if (!active.size) {
      tools.children[1].hidden = true;
    } else if (canvas.zoom() < 0.6) {
      focusActive(); // the whole process would be too small to read: start at the current step
    }
    box.append(tools);
    box.dataset.state = 'ready';
  } catch (error) {
    console.warn(`case diagram: ${error && error.message}`); // eslint-disable-line no-console
    viewer.destroy();
    box.dataset.state = 'error';
    box.textContent = t('无法显示流程图：', 'The diagram cannot be shown: ') + ((error && error.message) || error);
  }
}

function start() {
  document.querySelectorAll('#case-diagram[data-bpmn-url]').forEach((box) => showCaseDiagram(box));
  document.querySelectorAll('.bpmn-canvas').forEach((el) => showProcess(el.closest('.viewer-box')));
  document.querySelectorAll('.dmn-container').forEach((el) => showDecision(el.closest('.viewer-box')));
  document.querySelectorAll('details.form-box').forEach((box) => {
    box.addEventListener('toggle', () => box.open && showForm(box));
    if (box.open) {
      showForm(box);
    }
  });
  // A link to #form-<id> opens that form.
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.matches('details.form-box')) {
    target.open = true;
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
