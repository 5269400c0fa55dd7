// The Clueflow group of the BPMN properties panel: exactly the attributes the engine reads
// (engine/bpmn.py, engine/specs.py), offered as choices from the pack rather than free text.
//   user task           camunda:formKey (a form of the pack), camunda:candidateGroups (roles, comma-separated)
//   business-rule task  camunda:decisionRef (a decision of the pack)
//   timer event         bpmn:timeDate = deadline("<rule>", <trigger variable>), other FEEL kept as text
//   sequence flow       its FEEL condition, as text
// The pack's lists come from packInfo, given to the editor by the page.

import { h } from '@bpmn-io/properties-panel/preact';
import { CheckboxEntry, SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited }
  from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const ROLE_NAMES = {
  registrar: '登记员',
  case_officer: '承办人',
  division_head: '科室负责人',
  bureau_head: '局负责人',
  policy_editor: '规则编辑',
  auditor: '审计员',
  administrator: '管理员'
};

const DEADLINE = /^\s*deadline\(\s*"([^"]*)"\s*,\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)\s*$/;
const OTHER = '__other__';

// An entry of a packInfo list: a plain id, or {id|name|key, label|title|name}.
export function choice(item) {
  if (item && typeof item === 'object') {
    const value = item.id || item.key || item.name || '';
    const label = item.label || item.title || item.display_name || (item.name !== value ? item.name : '') || '';
    return { value, label: label && label !== value ? `${label}（${value}）` : value };
  }
  return { value: String(item), label: String(item) };
}

function choices(list) {
  return (list || []).map(choice);
}

/** With the value kept as an option even when the pack lacks it, marked so. */
function withCurrent(options, current) {
  if (current && !options.some((o) => o.value === current)) {
    return [ ...options, { value: current, label: `${current}（本包没有）` } ];
  }
  return options;
}

function attr(element, name) {
  return getBusinessObject(element).get(`camunda:${name}`) || '';
}

function AttributeSelect({ element, id, label, attribute, list, description }) {
  const modeling = useService('modeling');
  return h(SelectEntry, {
    element, id, label, description,
    getValue: () => attr(element, attribute),
    setValue: (value) => modeling.updateProperties(element, { [`camunda:${attribute}`]: value || undefined }),
    getOptions: () => [ { value: '', label: '（未选择）' }, ...withCurrent(choices(list), attr(element, attribute)) ]
  });
}

function roleList(element) {
  return attr(element, 'candidateGroups').split(',').map((r) => r.trim()).filter(Boolean);
}

function RoleCheckbox({ element, id, role }) {
  const modeling = useService('modeling');
  return h(CheckboxEntry, {
    element, id, label: role.label,
    getValue: () => roleList(element).includes(role.value),
    setValue: (on) => {
      const roles = roleList(element).filter((r) => r !== role.value);
      if (on) {
        roles.push(role.value);
      }
      modeling.updateProperties(element, { 'camunda:candidateGroups': roles.join(',') || undefined });
    }
  });
}

function roleChoices(list) {
  return choices(list).map((r) => (ROLE_NAMES[r.value] && r.label === r.value
    ? { value: r.value, label: `${ROLE_NAMES[r.value]}（${r.value}）` } : r));
}

// --- timers -----------------------------------------------------------------------------------------

function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

function timerText(element) {
  const definition = timerDefinition(element);
  const date = definition && definition.get('timeDate');
  return (date && date.get('body')) || '';
}

function useSetTimerText(element) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  return (text) => {
    const definition = timerDefinition(element);
    const date = definition.get('timeDate');
    if (date) {
      modeling.updateModdleProperties(element, date, { body: text });
    } else {
      const expression = bpmnFactory.create('bpmn:FormalExpression', { body: text });
      modeling.updateModdleProperties(element, definition,
        { timeDate: expression, timeDuration: undefined, timeCycle: undefined });
    }
  };
}

function parsedDeadline(element) {
  const match = DEADLINE.exec(timerText(element));
  return match ? { rule: match[1], trigger: match[2] } : null;
}

function DeadlineRuleSelect({ element, id, packInfo }) {
  const setText = useSetTimerText(element);
  return h(SelectEntry, {
    element, id, label: '期限规则',
    description: '计时器到期日 = 按本包日历从起算日期计算的期限（deadline_rules 决策）',
    getValue: () => {
      const parsed = parsedDeadline(element);
      return parsed ? parsed.rule : (timerText(element) ? OTHER : '');
    },
    setValue: (rule) => {
      if (!rule || rule === OTHER) {
        return;
      }
      const parsed = parsedDeadline(element);
      const trigger = (parsed && parsed.trigger) || choices(packInfo.variables)[0]?.value || 'received_on';
      setText(`deadline("${rule}", ${trigger})`);
    },
    getOptions: () => {
      const parsed = parsedDeadline(element);
      return [
        { value: '', label: '（未选择）', disabled: true },
        ...withCurrent(choices(packInfo.deadline_rules), parsed && parsed.rule),
        { value: OTHER, label: '其他表达式（见下方文本）', disabled: true }
      ];
    }
  });
}

function TriggerSelect({ element, id, packInfo }) {
  const setText = useSetTimerText(element);
  return h(SelectEntry, {
    element, id, label: '起算日期（变量）',
    description: '从哪个日期开始计算期限，例如收到举报之日 received_on',
    disabled: !parsedDeadline(element),
    getValue: () => (parsedDeadline(element) || {}).trigger || '',
    setValue: (trigger) => {
      const parsed = parsedDeadline(element);
      if (parsed && trigger) {
        setText(`deadline("${parsed.rule}", ${trigger})`);
      }
    },
    getOptions: () => {
      const parsed = parsedDeadline(element);
      return [ { value: '', label: '（未选择）', disabled: true },
        ...withCurrent(choices(packInfo.variables), parsed && parsed.trigger) ];
    }
  });
}

function TimerText({ element, id }) {
  const setText = useSetTimerText(element);
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, debounce, label: '计时表达式（FEEL，timeDate）',
    description: '选择期限规则会自动写入；也可直接编辑表达式',
    getValue: () => timerText(element),
    setValue: (text) => setText((text || '').trim())
  });
}

// --- sequence-flow conditions ---------------------------------------------------------------------

function ConditionText({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, debounce, label: '条件（FEEL）',
    description: '例如 accepted = true；默认流程（无条件）留空',
    getValue: () => {
      const condition = getBusinessObject(element).get('conditionExpression');
      return (condition && condition.get('body')) || '';
    },
    setValue: (text) => {
      const body = (text || '').trim();
      modeling.updateProperties(element, {
        conditionExpression: body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined
      });
    }
  });
}

function isConditional(element) {
  if (!is(element, 'bpmn:SequenceFlow')) {
    return false;
  }
  const source = element.source && getBusinessObject(element.source);
  return !!source && (is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway')
    || !!getBusinessObject(element).get('conditionExpression'));
}

// --- the provider -----------------------------------------------------------------------------------

function entries(element, packInfo) {
  if (is(element, 'bpmn:UserTask')) {
    return [
      { id: 'clueflow-form', component: (p) => h(AttributeSelect, { ...p, label: '表单', attribute: 'formKey',
        list: packInfo.forms, description: '办理本环节时填写的表单（camunda:formKey）' }), isEdited: isSelectEntryEdited },
      ...roleChoices(packInfo.roles).map((role) => ({
        id: `clueflow-role-${role.value}`,
        component: (p) => h(RoleCheckbox, { ...p, role }),
        isEdited: () => roleList(element).includes(role.value)
      }))
    ];
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    return [ { id: 'clueflow-decision', component: (p) => h(AttributeSelect, { ...p, label: '决策',
      attribute: 'decisionRef', list: packInfo.decisions, description: '本环节执行的决策（camunda:decisionRef）' }),
    isEdited: isSelectEntryEdited } ];
  }
  if (timerDefinition(element)) {
    return [
      { id: 'clueflow-deadline-rule', component: (p) => h(DeadlineRuleSelect, { ...p, packInfo }), isEdited: isSelectEntryEdited },
      { id: 'clueflow-deadline-trigger', component: (p) => h(TriggerSelect, { ...p, packInfo }), isEdited: isSelectEntryEdited },
      { id: 'clueflow-timer-text', component: TimerText, isEdited: isTextFieldEntryEdited }
    ];
  }
  if (isConditional(element)) {
    return [ { id: 'clueflow-condition', component: ConditionText, isEdited: isTextFieldEntryEdited } ];
  }
  return [];
}

export default class ClueflowPropertiesProvider {
  constructor(propertiesPanel, config) {
    this._packInfo = (config && config.packInfo) || {};
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const found = entries(element, this._packInfo);
      if (!found.length) {
        return groups;
      }
      if (timerDefinition(element)) {
        // bpmn-js's own timer group would offer durations and cycles, which the engine refuses.
        groups = groups.filter((g) => g.id !== 'timer');
      }
      const group = { id: 'clueflow', label: '办理规则（引擎读取）', entries: found, shouldOpen: true };
      const roles = found.filter((e) => e.id.startsWith('clueflow-role-'));
      if (roles.length) {
        group.entries = found.filter((e) => !roles.includes(e));
        const roleGroup = { id: 'clueflow-roles', label: '可办理角色', entries: roles, shouldOpen: true };
        return [ groups[0], group, roleGroup, ...groups.slice(1) ].filter(Boolean);
      }
      return [ groups[0], group, ...groups.slice(1) ].filter(Boolean);
    };
  }
}

ClueflowPropertiesProvider.$inject = [ 'propertiesPanel', 'config.clueflow' ];
