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

import { t } from './lang.js';

export const ROLE_NAMES = {
  registrar: t('登记员', 'Registrar'),
  case_officer: t('承办人', 'Case officer'),
  division_head: t('科室负责人', 'Division head'),
  bureau_head: t('局负责人', 'Bureau head'),
  policy_editor: t('规则编辑', 'Policy editor'),
  auditor: t('审计员', 'Auditor'),
  administrator: t('管理员', 'Administrator')
};

const NONE = t('（未选择）', '(none chosen)');
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
    return [ ...options, { value: current, label: t(`${current}（本包没有）`, `${current} (not in this pack)`) } ];
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
    getOptions: () => [ { value: '', label: NONE }, ...withCurrent(choices(list), attr(element, attribute)) ]
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
    ? { value: r.value, label: t(`${ROLE_NAMES[r.value]}（${r.value}）`, `${ROLE_NAMES[r.value]} (${r.value})`) } : r));
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
    element, id, label: t('期限规则', 'Deadline rule'),
    description: t('计时器到期日 = 按本包日历从起算日期计算的期限（deadline_rules 决策）',
      'The timer is due when the deadline counted on this pack\'s calendar from the trigger date falls (deadline_rules)'),
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
        { value: '', label: NONE, disabled: true },
        ...withCurrent(choices(packInfo.deadline_rules), parsed && parsed.rule),
        { value: OTHER, label: t('其他表达式（见下方文本）', 'Another expression (see the text below)'), disabled: true }
      ];
    }
  });
}

function TriggerSelect({ element, id, packInfo }) {
  const setText = useSetTimerText(element);
  return h(SelectEntry, {
    element, id, label: t('起算日期（变量）', 'Trigger date (variable)'),
    description: t('从哪个日期开始计算期限，例如收到举报之日 received_on', 'The date the deadline counts from, e.g. the day the report arrived: received_on'),
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
      return [ { value: '', label: NONE, disabled: true },
        ...withCurrent(choices(packInfo.variables), parsed && parsed.trigger) ];
    }
  });
}

function TimerText({ element, id }) {
  const setText = useSetTimerText(element);
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, debounce, label: t('计时表达式（FEEL，timeDate）', 'Timer expression (FEEL, timeDate)'),
    description: t('选择期限规则会自动写入；也可直接编辑表达式', 'Written when a deadline rule is chosen; it may also be edited directly'),
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
    element, id, debounce, label: t('条件（FEEL）', 'Condition (FEEL)'),
    description: t('例如 accepted = true；默认流程（无条件）留空', 'e.g. accepted = true; empty for the default flow (no condition)'),
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
      { id: 'clueflow-form', component: (p) => h(AttributeSelect, { ...p, label: t('表单', 'Form'), attribute: 'formKey',
        list: packInfo.forms, description: t('办理本环节时填写的表单（camunda:formKey）', 'The form filled in at this step (camunda:formKey)') }),
      isEdited: isSelectEntryEdited },
      ...roleChoices(packInfo.roles).map((role) => ({
        id: `clueflow-role-${role.value}`,
        component: (p) => h(RoleCheckbox, { ...p, role }),
        isEdited: () => roleList(element).includes(role.value)
      }))
    ];
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    return [ { id: 'clueflow-decision', component: (p) => h(AttributeSelect, { ...p, label: t('决策', 'Decision'),
      attribute: 'decisionRef', list: packInfo.decisions,
      description: t('本环节执行的决策（camunda:decisionRef）', 'The decision this step evaluates (camunda:decisionRef)') }),
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
      const group = { id: 'clueflow', label: t('办理规则（引擎读取）', 'Handling rules (read by the engine)'), entries: found,
        shouldOpen: true };
      const roles = found.filter((e) => e.id.startsWith('clueflow-role-'));
      if (roles.length) {
        group.entries = found.filter((e) => !roles.includes(e));
        const roleGroup = { id: 'clueflow-roles', label: t('可办理角色', 'Roles that may do it'), entries: roles, shouldOpen: true };
        return [ groups[0], group, roleGroup, ...groups.slice(1) ].filter(Boolean);
      }
      return [ groups[0], group, ...groups.slice(1) ].filter(Boolean);
    };
  }
}

ClueflowPropertiesProvider.$inject = [ 'propertiesPanel', 'config.clueflow' ];
