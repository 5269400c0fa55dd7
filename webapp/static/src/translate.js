// Chinese labels for the few words the bpmn.io viewers show; anything not listed stays as it is.

import { ENGLISH } from './lang.js';

export const zh = {
  'Hit policy': '命中策略',
  'Hit policy:': '命中策略：',
  'When': '条件',
  'And': '且',
  'Then': '结果',
  'Annotation': '注释',
  'Annotations': '注释（依据）',
  'View DRD': '查看决策关系图',
  'Yes': '是',
  'No': '否',
  'Input': '输入',
  'Output': '输出',
  'Input expression': '输入表达式',
  'Input label': '输入标签',
  'Output label': '输出标签',
  'Output name': '输出名称',
  'Decision name': '决策名称',
  'Decision name: ': '决策名称：',
  'Variable name': '变量名',
  'Variable name:': '变量名：',
  'Variable type': '变量类型',
  'Variable type:': '变量类型：',
  'Expression language': '表达式语言',
  'Expression language:': '表达式语言：',
  'Activate hand tool': '拖动画布',
  'Activate lasso tool': '框选'
};

function translate(template, replacements = {}) {
  const text = (ENGLISH ? null : zh[template]) || template;
  return text.replace(/{([^}]+)}/g, (match, key) => (key in replacements ? replacements[key] : match));
}

export default { translate: [ 'value', translate ] };
