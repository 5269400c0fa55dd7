// Chinese words for the form-js editor, which has no translation service: its palette, the group
// titles and the labels of its properties panel are rewritten in place as they are drawn. The
// palette offers only the field types the engine's forms understand (engine/forms.py).

export const ENGINE_TYPES = new Set([ 'textfield', 'textarea', 'select', 'radio', 'checklist', 'taglist', 'number',
  'checkbox', 'datetime', 'text', 'spacer', 'separator', 'html', 'image', 'group' ]);

const WORDS = {
  Components: '字段与元素',
  'Search components': '查找字段',
  Input: '输入',
  Selection: '选择',
  Presentation: '展示',
  Containers: '容器',
  Action: '操作',
  'Text field': '单行文本',
  'Text area': '多行文本',
  Number: '数字',
  'Date time': '日期时间',
  Checkbox: '勾选框',
  'Checkbox group': '多选框组',
  'Radio group': '单选框组',
  Select: '下拉选择',
  'Tag list': '标签多选',
  'Text view': '说明文字',
  'Image view': '图片',
  'HTML view': 'HTML',
  Spacer: '空白',
  Separator: '分隔线',
  Group: '分组',
  General: '常规',
  Label: '标签',
  Key: '键（key）',
  Description: '说明',
  'Default value': '默认值',
  Disabled: '禁用',
  'Read only': '只读',
  Validation: '校验',
  Required: '必填',
  'Minimum length': '最少字数',
  'Maximum length': '最多字数',
  Minimum: '最小值',
  Maximum: '最大值',
  'Custom regular expression': '正则表达式',
  'Validation pattern': '校验格式',
  Options: '选项',
  'Options source': '选项来源',
  'Static options': '固定选项',
  Value: '值',
  Condition: '显示条件',
  'Hide if': '隐藏条件',
  Layout: '布局',
  Columns: '列宽',
  Appearance: '外观',
  Prefix: '前缀',
  Suffix: '后缀',
  Text: '文字',
  Subtype: '类型',
  Date: '日期',
  Time: '时间',
  'Date label': '日期标签',
  'Time label': '时间标签',
  'Version tag': '版本标签',
  'Form': '表单',
  Type: '类型',
  Serialization: '数值格式',
  Decimal: '小数',
  Increment: '步长',
  'Output as string': '按文本输出',
  'Searchable': '可搜索',
  'Show outline': '显示边框',
  'Not checked': '未勾选',
  'Checked': '已勾选',
  'Custom properties': '自定义属性'
};

const SELECTOR = [
  '.fjs-palette-header', '.fjs-palette-group-title', '.fjs-palette-field-text',
  '.bio-properties-panel-group-header-title', '.bio-properties-panel-label'
].join(',');

function translateNode(node) {
  // Change the text node's value in place: the editor (preact) keeps its own node and would add
  // a second one if the element's children were replaced.
  node.querySelectorAll(SELECTOR).forEach((el) => {
    el.childNodes.forEach((child) => {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = child.nodeValue.trim();
        if (WORDS[text]) {
          child.nodeValue = WORDS[text];
        }
      }
    });
  });
  node.querySelectorAll('.fjs-palette-search').forEach((input) => {
    if (WORDS[input.placeholder]) {
      input.placeholder = WORDS[input.placeholder];
    }
  });
  node.querySelectorAll('.fjs-palette-field[data-field-type]').forEach((field) => {
    if (!ENGINE_TYPES.has(field.dataset.fieldType)) {
      field.style.display = 'none';
      field.title = '引擎的表单不支持此类字段';
    } else if (field.title.startsWith('Create a')) {
      const label = field.querySelector('.fjs-palette-field-text');
      field.title = `添加${label ? label.textContent : ''}`;
    }
  });
}

/** Keep the editor's words Chinese as it redraws; returns a function that stops. */
export function keepChinese(container) {
  translateNode(container);
  const observer = new MutationObserver(() => translateNode(container));
  observer.observe(container, { childList: true, subtree: true, characterData: true });
  return () => observer.disconnect();
}
