// Chinese labels for the bpmn.io editors: the viewers' words and those of the palette, the context
// pad and the properties panel that a policy editor meets most. Anything not listed stays as it is.

import { zh as viewerWords } from './translate.js';
import { ENGLISH } from './lang.js';

const zh = {
  ...viewerWords,
  'Activate create/remove space tool': '插入/删除空间',
  'Activate global connect tool': '连线',
  'Create data object reference': '数据对象',
  'Create data store reference': '数据存储',
  'Create end event': '结束事件',
  'Create expanded sub-process': '子流程',
  'Create gateway': '网关',
  'Create group': '分组',
  'Create intermediate/boundary event': '中间/边界事件',
  'Create pool/participant': '泳池/参与者',
  'Create start event': '开始事件',
  'Create task': '任务',
  'Append task': '追加任务',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间事件',
  'Append text annotation': '追加注释',
  'Connect using sequence/message flow or association': '连线',
  'Connect to other element': '连接到其他元素',
  'Change element': '更改类型',
  'Change type': '更改类型',
  'Delete': '删除',
  'Add text annotation': '添加注释',
  'General': '常规',
  'Name': '名称',
  'ID': '编号',
  'Documentation': '说明',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  'Process': '流程',
  'Executable': '可执行',
  'Version tag': '版本标签',
  'Timer': '计时器',
  'Type': '类型',
  'Value': '值',
  'Element must have an unique ID.': '编号必须唯一。',
  'ID must not contain spaces.': '编号不能含空格。',
  'ID must be a valid QName.': '编号格式不正确。',
  'Select an element to edit its properties.': '选中一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single one to edit its properties.': '已选中多个元素，请只选一个以编辑属性。',
  'Search in diagram': '在图中查找',
  'Rule': '规则',
  'Add rule': '添加规则',
  'Add input': '添加输入',
  'Add output': '添加输出',
  'Input values': '输入取值',
  'Output values': '输出取值',
  'Type:': '类型：',
  '-': '-'
};

function translate(template, replacements = {}) {
  const text = (ENGLISH ? null : zh[template]) || template;
  return text.replace(/{([^}]+)}/g, (match, key) => (key in replacements ? replacements[key] : match));
}

export default { translate: [ 'value', translate ] };
