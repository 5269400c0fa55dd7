// Chinese words for the token simulation (bpmn-js-token-simulation has no translation service):
// its log, notifications and button titles are rewritten in place as they appear.

const WORDS = {
  'Play Simulation': '开始模拟',
  'Pause Simulation': '暂停模拟',
  'Reset Simulation': '重置模拟',
  'Play/Pause Simulation': '开始/暂停模拟',
  'Toggle Simulation Log': '显示/隐藏模拟记录',
  'Trigger Event': '触发此事件',
  'Set Sequence Flow': '选择走这条连线',
  Finished: '已结束',
  'Not supported': '不支持',
  'Found unsupported elements': '流程中有模拟不支持的元素',
  'User Task': '人工环节',
  'Business Rule Task': '决策环节',
  'Start Event': '开始事件',
  'End Event': '结束事件',
  'Boundary Event': '边界事件',
  'Intermediate Event': '中间事件',
  'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关',
  Task: '任务',
  Add: '添加',
  Remove: '移除',
  Slow: '慢',
  Normal: '中',
  Fast: '快'
};

const PHRASES = [
  [ /^(Process|Subprocess) (.*)started$/, (m, kind, rest) => `${kind === 'Process' ? '流程' : '子流程'}${rest}开始` ],
  [ /^(Process|Subprocess) (.*)finished$/, (m, kind, rest) => `${kind === 'Process' ? '流程' : '子流程'}${rest}结束` ],
  [ /^(Process|Subprocess) (.*)canceled$/, (m, kind, rest) => `${kind === 'Process' ? '流程' : '子流程'}${rest}已取消` ]
];

function word(text) {
  const trimmed = text.trim();
  if (WORDS[trimmed]) {
    return text.replace(trimmed, WORDS[trimmed]);
  }
  for (const [ pattern, replace ] of PHRASES) {
    if (pattern.test(trimmed)) {
      return text.replace(trimmed, trimmed.replace(pattern, replace));
    }
  }
  return null;
}

function translate(root) {
  root.querySelectorAll('.bts-log, .bts-notifications, .bts-palette, .bts-set-animation-speed, .djs-overlay-bts-context-menu')
    .forEach((part) => {
      const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const changed = word(node.nodeValue);
        if (changed !== null && changed !== node.nodeValue) {
          node.nodeValue = changed;
        }
      }
      part.querySelectorAll('[title]').forEach((el) => {
        const changed = word(el.title);
        if (changed !== null) {
          el.title = changed;
        }
      });
    });
}

/** Keep the simulation's words Chinese inside a canvas container. */
export function keepSimulationChinese(container) {
  let queued = false;
  const observer = new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        translate(container);
      });
    }
  });
  observer.observe(container, { childList: true, subtree: true });
  translate(container);
  return () => observer.disconnect();
}
