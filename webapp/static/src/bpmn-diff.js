// The difference between two versions of a process: the new diagram drawn by bpmn-js, its added
// elements in green, changed ones in amber (with what changed), those only moved dashed in blue;
// removed elements, which the new diagram lacks, are listed under the legend. The comparison is
// bpmn-js-differ's, joined with the ids the server found (`changes`). Provides
// window.ClueflowEditors.bpmnDiff.

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import translateModule from './editor-translate.js';
import { provide } from './editor-problems.js';
import { t } from './lang.js';
import './bpmn-diff.css';

const KINDS = [
  { key: 'added', label: t('新增', 'Added'), hint: t('新版本中新增的元素', 'Elements the new version adds') },
  { key: 'changed', label: t('修改', 'Changed'),
    hint: t('属性有变化的元素（表单、角色、决策、期限、条件、名称等）',
      'Elements whose properties changed (form, roles, decision, deadline, condition, name…)') },
  { key: 'removed', label: t('删除', 'Removed'),
    hint: t('新版本中已删除的元素（不在图中，列于下方）', 'Elements the new version removes (not in the diagram; listed below)') },
  { key: 'layout', label: t('仅位置变化', 'Moved only'), hint: t('只移动了位置，规则未变', 'Only moved: the rules are the same') }
];

const FLOW_TYPES = /^bpmn:(.*Task|.*Event|.*Gateway|SequenceFlow|SubProcess|CallActivity)$/;

const TYPE_NAMES = {
  SequenceFlow: t('连线', 'flow'), UserTask: t('人工环节', 'user task'), BusinessRuleTask: t('决策环节', 'decision task'),
  Task: t('任务', 'task'), ExclusiveGateway: t('排他网关', 'exclusive gateway'),
  ParallelGateway: t('并行网关', 'parallel gateway'), InclusiveGateway: t('包容网关', 'inclusive gateway'),
  StartEvent: t('开始事件', 'start event'), EndEvent: t('结束事件', 'end event'), BoundaryEvent: t('边界事件', 'boundary event'),
  IntermediateCatchEvent: t('中间事件', 'intermediate event'), SubProcess: t('子流程', 'subprocess')
};

function describe(model) {
  if (!model) {
    return '';
  }
  const raw = (model.$type || '').replace(/^bpmn:/, '');
  const type = TYPE_NAMES[raw] || raw;
  return model.name ? t(`${model.name}（${model.id}）`, `${model.name} (${model.id})`) : `${model.id}${type ? ` · ${type}` : ''}`;
}

/** The id of the diagram element that owns a model element (a timer definition → its event). */
function ownerId(model, known) {
  let current = model;
  while (current) {
    if (current.id && known(current.id)) {
      return current.id;
    }
    current = current.$parent;
  }
  return model && model.id;
}

function text(value) {
  if (value === undefined || value === null || value === '') {
    return t('（空）', '(empty)');
  }
  if (typeof value === 'object') {
    return value.body || value.id || JSON.stringify(value);
  }
  return String(value);
}

/** What the engine reads of a flow element, as text, property by property. */
function engineView(model) {
  const body = (x) => (x && x.body) || '';
  const view = {
    [t('类型', 'type')]: (model.$type || '').replace(/^bpmn:/, ''),
    [t('名称', 'name')]: model.name || '',
    formKey: model.get ? model.get('camunda:formKey') || '' : '',
    candidateGroups: model.get ? model.get('camunda:candidateGroups') || '' : '',
    decisionRef: model.get ? model.get('camunda:decisionRef') || '' : '',
    [t('条件', 'condition')]: body(model.conditionExpression),
    [t('来源', 'from')]: (model.sourceRef && model.sourceRef.id) || '',
    [t('去向', 'to')]: (model.targetRef && model.targetRef.id) || ''
  };
  (model.eventDefinitions || []).forEach((definition) => {
    if (definition.$type === 'bpmn:TimerEventDefinition') {
      view[t('计时', 'timer')] = body(definition.timeDate) || body(definition.timeDuration) || body(definition.timeCycle);
    } else if (definition.messageRef) {
      view[t('消息', 'message')] = definition.messageRef.name || definition.messageRef.id || '';
    }
  });
  return view;
}

function flowElements(definitions) {
  const found = new Map();
  const walk = (container) => (container.flowElements || []).forEach((element) => {
    found.set(element.id, element);
    walk(element);
  });
  (definitions.rootElements || []).filter((e) => e.$type === 'bpmn:Process').forEach(walk);
  return found;
}

/**
 * The values before and after. bpmn-js-differ 3.2 reports the new value as `oldValue` and the old one
 * as `newValue` (contrary to its README); which is which is read off the new model where it can be.
 */
function beforeAfter(model, name, { oldValue, newValue }) {
  let current;
  try {
    current = model && typeof model.get === 'function' ? model.get(name) : undefined;
  } catch (e) {
    current = undefined;
  }
  if (current !== undefined && current === newValue && current !== oldValue) {
    return { oldValue, newValue };
  }
  return { oldValue: newValue, newValue: oldValue };
}

async function bpmnDiff(container, { oldXml, newXml, changes = {} } = {}) {
  container.classList.add('cf-diff');
  const canvasEl = document.createElement('div');
  canvasEl.className = 'cf-diff-canvas';
  const legend = document.createElement('div');
  legend.className = 'cf-diff-legend';
  const details = document.createElement('div');
  details.className = 'cf-diff-details';
  container.append(legend, canvasEl, details);

  const viewer = new NavigatedViewer({
    container: canvasEl,
    additionalModules: [ translateModule ],
    moddleExtensions: { camunda: camundaModdle }
  });
  await viewer.importXML(newXml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  canvas.zoom('fit-viewport', 'auto');

  const found = { added: new Map(), changed: new Map(), removed: new Map(), layout: new Map() };
  if (oldXml) {
    const { rootElement: oldDefinitions } = await viewer.get('moddle').fromXML(oldXml, 'bpmn:Definitions');
    const result = diff(oldDefinitions, viewer.getDefinitions());
    const inNew = (id) => !!registry.get(id);
    Object.values(result._added).forEach((m) => {
      const id = ownerId(m, inNew);
      if (id === m.id) {
        found.added.set(id, { model: m });
      } else if (!found.added.has(id)) {
        found.changed.set(id, { model: registry.get(id)?.businessObject, attrs: { [m.$type]: { newValue: m } } });
      }
    });
    Object.values(result._changed).forEach(({ model, attrs }) => {
      const id = ownerId(model, inNew);
      if (found.added.has(id)) {
        return;
      }
      const entry = found.changed.get(id) || { model: registry.get(id)?.businessObject || model, attrs: {} };
      Object.entries(attrs).forEach(([name, values]) => {
        entry.attrs[name] = beforeAfter(model, name, values);
      });
      found.changed.set(id, entry);
    });
    Object.values(result._removed).forEach((m) => {
      // A removed step is listed; a removed part of a step that is still there (a timer's
      // definition, a condition) shows as a change of that step, found by engineView below.
      if (!registry.get(m.id) && FLOW_TYPES.test(m.$type || '')) {
        found.removed.set(m.id, { model: m });
      }
    });
    Object.values(result._layoutChanged).forEach((m) => {
      if (!found.added.has(m.id) && !found.changed.has(m.id)) {
        found.layout.set(m.id, { model: m });
      }
    });
  }
  // What the engine reads is compared here too, element by element (the differ misses some of it,
  // such as the expression inside a timer).
  if (oldXml) {
    const { rootElement: before } = await viewer.get('moddle').fromXML(oldXml, 'bpmn:Definitions');
    const oldElements = flowElements(before);
    flowElements(viewer.getDefinitions()).forEach((element, id) => {
      const previous = oldElements.get(id);
      if (!previous || found.added.has(id) || !registry.get(id)) {
        return;
      }
      const a = engineView(previous);
      const b = engineView(element);
      Object.keys({ ...a, ...b }).forEach((key) => {
        if ((a[key] || '') !== (b[key] || '')) {
          const entry = found.changed.get(id) || { model: element, attrs: {} };
          const known = Object.keys(entry.attrs).some((name) => name.replace(/^(camunda|bpmn):/, '') === key);
          if (!known) {
            entry.attrs[key] = { oldValue: a[key], newValue: b[key] };
          }
          found.changed.set(id, entry);
          found.layout.delete(id);
        }
      });
    });
  }
  // The server's list, when given, is joined in (it knows what the engine cares about).
  (changes.added || []).forEach((id) => found.added.has(id) || found.added.set(id, { model: registry.get(id)?.businessObject }));
  (changes.changed || []).forEach((id) => found.changed.has(id) || found.added.has(id)
    || found.changed.set(id, { model: registry.get(id)?.businessObject, attrs: {} }));
  (changes.removed || []).forEach((id) => found.removed.has(id) || found.removed.set(id, { model: { id } }));

  [ 'added', 'changed', 'layout' ].forEach((kind) => {
    found[kind].forEach((entry, id) => {
      if (!registry.get(id)) {
        return;
      }
      canvas.addMarker(id, `cf-diff-${kind}`);
      if (kind !== 'layout' && registry.get(id).waypoints === undefined) {
        const tag = document.createElement('span');
        tag.className = `cf-diff-tag cf-diff-tag-${kind}`;
        tag.textContent = kind === 'added' ? t('新增', 'added') : t('修改', 'changed');
        overlays.add(id, 'cf-diff', { position: { top: -10, left: -6 }, html: tag, scale: { min: 1 } });
      }
    });
  });

  legend.replaceChildren(...KINDS.map(({ key, label, hint }) => {
    const item = document.createElement('span');
    item.className = `cf-legend-item cf-legend-${key}`;
    item.dataset.kind = key;
    item.title = hint;
    const swatch = document.createElement('span');
    swatch.className = 'cf-swatch';
    item.append(swatch, `${label} ${found[key].size}`);
    return item;
  }));

  const lines = [];
  const line = (kind, label, entry, id, extra) => {
    const li = document.createElement('li');
    li.className = `cf-diff-line cf-diff-line-${kind}`;
    li.dataset.element = id;
    if (registry.get(id)) {
      li.tabIndex = 0;
      li.title = t('在图中显示', 'Show in the diagram');
      li.addEventListener('click', () => {
        canvas.zoom(1);
        canvas.scrollToElement(registry.get(id));
      });
    }
    const strong = document.createElement('strong');
    strong.textContent = t(`${label}：`, `${label}: `);
    li.append(strong, describe(entry.model) || id);
    if (extra) {
      const small = document.createElement('span');
      small.className = 'cf-diff-attrs';
      small.textContent = extra;
      li.append(small);
    }
    lines.push(li);
  };
  found.added.forEach((e, id) => line('added', t('新增', 'Added'), e, id));
  // Links are named once, by engineView (来源/去向), not again as the differ's references.
  const shown = ([ name, v ]) => !/^(sourceRef|targetRef|incoming|outgoing|di)/.test(name)
    && !String(v.oldValue ?? '').startsWith('#ref:') && !String(v.newValue ?? '').startsWith('#ref:');
  found.changed.forEach((e, id) => line('changed', t('修改', 'Changed'), e, id, Object.entries(e.attrs || {}).filter(shown)
    .map(([name, v]) => `${name.replace(/^(camunda|bpmn):/, '')}${t('：', ': ')}${text(v.oldValue)} → ${text(v.newValue)}`)
    .join(t('；', '; '))));
  found.removed.forEach((e, id) => line('removed', t('删除', 'Removed'), e, id));
  if (lines.length) {
    const ul = document.createElement('ul');
    ul.append(...lines);
    details.replaceChildren(ul);
  } else {
    details.textContent = t('两个版本的流程没有差别。', 'The two versions of the process are the same.');
  }
  const tools = document.createElement('div');
  tools.className = 'cf-canvas-tools';
  [ [ t('全图', 'Fit'), t('缩放到整个流程', 'Show the whole process'), () => canvas.zoom('fit-viewport', 'auto') ],
    [ '＋', t('放大', 'Zoom in'), () => canvas.zoom(canvas.zoom() * 1.2) ],
    [ '－', t('缩小', 'Zoom out'), () => canvas.zoom(canvas.zoom() / 1.2) ] ].forEach(([ label, title, action ]) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'cf-tool';
    b.textContent = label;
    b.title = title;
    b.addEventListener('click', action);
    tools.append(b);
  });
  canvasEl.append(tools);
  const ids = (kind) => [ ...found[kind].keys() ];
  container.dataset.state = 'ready';
  return { viewer, changes: { added: ids('added'), changed: ids('changed'), removed: ids('removed'), layout: ids('layout') } };
}

provide({ bpmnDiff });

// The partial templates/editor/_bpmn_diff.html: a box naming the JSON block with both versions.
function mountAll() {
  document.querySelectorAll('[data-bpmn-diff]').forEach((box) => {
    if (box.dataset.mounted) {
      return;
    }
    box.dataset.mounted = 'true';
    const source = document.getElementById(box.dataset.bpmnDiff);
    const data = source ? JSON.parse(source.textContent) : {};
    box.replaceChildren();
    bpmnDiff(box, data).catch((error) => {
      box.dataset.state = 'error';
      box.textContent = t('无法显示流程图差异：', 'The differences cannot be shown: ') + ((error && error.message) || error);
    });
  });
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', mountAll);
} else {
  mountAll();
}
