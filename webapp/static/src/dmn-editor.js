// The decision editor: dmn-js Modeler (decision tables, literal expressions, the requirements
// diagram), with tabs for its views and the server's problems marked on the table: the rule's row
// and, where the column can be found, its cell. Provides window.ClueflowEditors.dmn.

import DmnModeler from 'dmn-js/lib/Modeler';

import translateModule from './editor-translate.js';
import { placeOf, problemsBox, provide, renderProblems, severityOf } from './editor-problems.js';
import { t } from './lang.js';
import './dmn-editor.css';

const VIEW_LABELS = {
  drd: t('决策关系图（DRD）', 'Decision requirements (DRD)'),
  decisionTable: t('决策表', 'Decision table'),
  literalExpression: t('字面表达式', 'Literal expression'),
  boxedExpression: t('表达式', 'Expression')
};

let counter = 0;

function ruleIdOf(table, rule) {
  if (!table || !rule) {
    return null;
  }
  const rules = table.get('rule') || [];
  const text = String(rule).trim();
  const inParens = /\(([^)]+)\)\s*$/.exec(text);
  const id = inParens ? inParens[1].trim() : text;
  if (rules.some((r) => r.id === id)) {
    return id;
  }
  const row = /^(\d+)/.exec(text);
  if (row && rules[Number(row[1]) - 1]) {
    return rules[Number(row[1]) - 1].id;
  }
  return null;
}

function columnIdOf(table, column) {
  if (!table || !column) {
    return null;
  }
  const wanted = String(column).trim();
  const inputs = table.get('input') || [];
  const outputs = table.get('output') || [];
  const input = inputs.find((i) => i.id === wanted || (i.label || '').trim() === wanted
    || ((i.inputExpression && i.inputExpression.text) || '').trim() === wanted);
  if (input) {
    return input.id;
  }
  const output = outputs.find((o) => o.id === wanted || (o.name || '').trim() === wanted
    || (o.label || '').trim() === wanted);
  return output ? output.id : null;
}

function decisionTableOf(definitions, decisionId) {
  const decisions = (definitions.get('drgElement') || []).filter((e) => e.$type === 'dmn:Decision');
  const decision = decisions.find((d) => d.id === decisionId) || (decisions.length === 1 ? decisions[0] : null);
  const logic = decision && decision.get('decisionLogic');
  return { decision, table: logic && logic.$type === 'dmn:DecisionTable' ? logic : null };
}

async function dmn(container, { xml } = {}) {
  counter += 1;
  const scope = `cf-dmn-${counter}`;
  container.classList.add('cf-dmn-editor');
  container.dataset.dmnScope = scope;
  const tabs = document.createElement('div');
  tabs.className = 'cf-dmn-tabs';
  tabs.setAttribute('role', 'tablist');
  const canvas = document.createElement('div');
  canvas.className = 'cf-dmn-canvas';
  container.append(tabs, canvas);
  const marks = document.createElement('style');
  document.head.append(marks);

  const translated = { additionalModules: [ translateModule ] };
  const modeler = new DmnModeler({
    container: canvas,
    drd: translated,
    decisionTable: translated,
    literalExpression: translated,
    boxedExpression: translated
  });
  const listeners = [];
  modeler.on('viewer.created', ({ viewer }) => {
    viewer.on('commandStack.changed', () => listeners.forEach((fn) => fn()));
  });

  function markActive() {
    const active = modeler.getActiveView();
    tabs.querySelectorAll('button').forEach((tab) => {
      const on = !!active && tab.dataset.viewId === active.element.id && tab.dataset.viewType === active.type;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    container.dataset.view = active ? active.type : '';
    if (active && active.type === 'drd') {
      // Fit the requirements diagram, leaving room at the top for the definitions' name box.
      const canvas = modeler.getActiveViewer().get('canvas');
      canvas.resized(); // the box has just grown to the diagram's height
      canvas.zoom('fit-viewport', 'auto');
      const box = canvas.viewbox();
      canvas.zoom(Math.min(1, box.scale * 0.85), { x: box.outer.width / 2, y: box.outer.height }); // screen point
    }
  }

  let problemCounts = new Map();

  function renderTabs() {
    tabs.replaceChildren(...modeler.getViews().map((view) => {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.dataset.viewId = view.element.id;
      tab.dataset.viewType = view.type;
      const kind = VIEW_LABELS[view.type] || view.type;
      tab.textContent = view.type === 'drd' ? kind : `${kind}：${view.name || view.element.id}`;
      const count = problemCounts.get(view.element.id);
      if (count && view.type !== 'drd') {
        const dot = document.createElement('span');
        dot.className = 'cf-tab-problems';
        dot.textContent = String(count);
        dot.title = t(`此决策有 ${count} 个问题`, `${count} problem(s) in this decision`);
        tab.append(dot);
      }
      tab.addEventListener('click', () => modeler.open(view).then(markActive));
      return tab;
    }));
    markActive();
  }
  modeler.on('views.changed', renderTabs);

  const { warnings } = await modeler.importXML(xml);
  warnings.forEach((w) => console.warn(w.message)); // eslint-disable-line no-console
  const definitions = modeler.getDefinitions();
  // Open the first decision rather than the DRD around it: that is what staff come to change.
  const first = modeler.getViews().find((view) => view.type !== 'drd');
  if (first) {
    await modeler.open(first);
  }
  renderTabs();

  function openDecision(decisionId) {
    const view = modeler.getViews().find((v) => v.type !== 'drd' && v.element.id === decisionId);
    if (view) {
      return modeler.open(view);
    }
    return Promise.resolve();
  }

  function showProblems(problems = []) {
    const rules = [];
    const placed = new Set();
    problems.forEach((problem, index) => {
      const { decision, table } = decisionTableOf(definitions, problem.element);
      if (!table) {
        return;
      }
      const row = ruleIdOf(table, problem.rule);
      const col = columnIdOf(table, problem.column);
      if (!row && !col) {
        return;
      }
      placed.add(index);
      problem._placed = { decision: decision.id, row, col };
      const colour = severityOf(problem) === 'error' ? '253, 220, 220' : '255, 240, 200';
      const edge = severityOf(problem) === 'error' ? '#c62828' : '#c98a00';
      const base = `[data-dmn-scope="${scope}"] .tjs-table`;
      const rowSel = row ? `[data-row-id="${CSS.escape(row)}"]` : '';
      const colSel = col ? `[data-col-id="${CSS.escape(col)}"]` : '';
      if (row) {
        rules.push(`${base} td${rowSel} { background: rgba(${colour}, 0.55) !important; }`);
      }
      if (col && !row) {
        rules.push(`${base} th${colSel} { box-shadow: inset 0 -4px 0 ${edge}; }`);
      }
      if (row && col) {
        rules.push(`${base} td${rowSel}${colSel} { background: rgb(${colour}) !important; outline: 3px solid ${edge}; outline-offset: -3px; }`);
      }
    });
    marks.textContent = rules.join('\n');
    problemCounts = new Map();
    problems.forEach((p) => p.element && problemCounts.set(p.element, (problemCounts.get(p.element) || 0) + 1));
    renderTabs();
    renderProblems(problemsBox(container), problems, {
      placed: (p) => placed.has(problems.indexOf(p)),
      label: (p) => placeOf(p, t('决策', 'decision')),
      onPick: (p) => openDecision((p._placed && p._placed.decision) || p.element).then(() => {
        const cell = p._placed && container.querySelector(
          `td${p._placed.row ? `[data-row-id="${CSS.escape(p._placed.row)}"]` : ''}${p._placed.col ? `[data-col-id="${CSS.escape(p._placed.col)}"]` : ''}`);
        if (cell) {
          cell.scrollIntoView({ block: 'center', inline: 'center' });
        }
      })
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

provide({ dmn });
