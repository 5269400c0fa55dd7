// The editor page (templates/editor/file.html): mounts the editor of the file's kind, saves it with
// 保存 (or Ctrl+S) as JSON {"text": ...} to the draft, and shows what the server answers: the
// problems at their elements and in the list, the decision examples green or red. Unsaved changes
// are not lost silently: leaving the page asks first.

import { t } from './lang.js';

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function setStatus(node, text, state) {
  node.classList.remove('cf-save-warn');
  node.textContent = text;
  node.dataset.state = state;
}

function shown(value) {
  return value === undefined ? t('（无）', '(none)') : JSON.stringify(value);
}

// What a red example got wrong, output by output: "amount 期望 500，实际 600".
function differences(result) {
  const expected = result.expected || {};
  const actual = result.actual || {};
  const wrong = Object.keys(expected).filter((k) => shown(expected[k]) !== shown(actual[k]));
  const said = wrong.map((k) => t(`${k} 期望 ${shown(expected[k])}，实际 ${shown(actual[k])}`,
    `${k} expected ${shown(expected[k])}, got ${shown(actual[k])}`));
  if (result.error) {
    said.push(result.error);
  }
  return said.join(t('；', '; ')) || t(`期望 ${shown(expected)}，实际 ${shown(actual)}`, `expected ${shown(expected)}, got ${shown(actual)}`);
}

function showExamples(box, examples) {
  if (!box) {
    return;
  }
  if (!examples || (examples.passed === undefined && !examples.results)) {
    box.hidden = true;
    return;
  }
  const results = examples.results || [];
  const passed = examples.passed ?? results.filter((r) => r.ok).length;
  const failed = examples.failed ?? results.filter((r) => !r.ok).length;
  box.hidden = false;
  box.dataset.state = failed ? 'failed' : 'ok';
  const head = document.createElement('p');
  head.className = 'cf-examples-head';
  head.textContent = failed
    ? t(`示例测试：${failed} 个未通过，${passed} 个通过`, `Examples: ${failed} failed, ${passed} passed`)
    : t(`示例测试：全部 ${passed} 个通过`, `Examples: all ${passed} passed`);
  const list = document.createElement('ul');
  list.className = 'cf-example-list';
  const tables = new Set();
  results.filter((r) => !r.ok).forEach((r) => {
    const li = document.createElement('li');
    li.className = 'cf-example-failed';
    const what = document.createElement('strong');
    what.textContent = t(`${r.decision || ''} 示例 ${r.case ?? ''}`, `${r.decision || ''} example ${r.case ?? ''}`);
    const wrong = document.createElement('span');
    wrong.textContent = `：${differences(r)}`;
    li.append(what, wrong);
    const why = [r.basis, r.note].filter(Boolean).join('；');
    if (why) {
      const small = document.createElement('small');
      small.className = 'cf-example-basis';
      small.textContent = why;
      li.append(small);
    }
    list.append(li);
    if (r.decision) {
      tables.add(r.decision);
    }
  });
  const links = [];
  const template = box.dataset.examplesUrl;
  if (template && failed) {
    const p = document.createElement('p');
    p.className = 'cf-example-links';
    [...tables].forEach((decision) => {
      const a = document.createElement('a');
      a.href = template.replace('__decision__', encodeURIComponent(decision));
      a.textContent = t(`修改 ${decision} 的示例表`, `Edit the examples of ${decision}`);
      p.append(a, ' ');
    });
    links.push(p);
  }
  const title = box.querySelector('h2');
  box.replaceChildren(...(title ? [ title ] : []), head, list, ...links);
}

async function mount(page) {
  const kind = page.dataset.kind;
  const status = page.querySelector('[data-role="save-status"]');
  const saveButton = page.querySelector('[data-role="save"]');
  const container = page.querySelector('[data-role="editor"]');
  const text = readJson('cf-editor-text') ?? '';
  const packInfo = readJson('cf-pack-info') || {};
  const editors = window.ClueflowEditors || {};
  if (!editors[kind]) {
    setStatus(status, t('编辑器的前端资源尚未构建，请运行 make install 后刷新本页。',
      'The editor is not built yet: run make install, then reload this page.'), 'error');
    return;
  }

  let editor;
  try {
    if (kind === 'bpmn') {
      editor = await editors.bpmn(container, { xml: text, packInfo,
        propertiesContainer: page.querySelector('[data-role="properties"]') });
    } else if (kind === 'dmn') {
      editor = await editors.dmn(container, { xml: text });
    } else {
      editor = await editors.form(container, { schema: JSON.parse(text) });
    }
  } catch (error) {
    setStatus(status, t('无法打开文件：', 'The file cannot be opened: ') + ((error && error.message) || error), 'error');
    page.dataset.state = 'error';
    return;
  }

  let dirty = false;
  let saving = false;
  const markDirty = () => {
    dirty = true;
    setStatus(status, t('有未保存的修改', 'Unsaved changes'), 'dirty');
  };
  if (editor.onChange) {
    editor.onChange(markDirty);
  }
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  async function save() {
    if (saving) {
      return;
    }
    saving = true;
    saveButton.disabled = true;
    setStatus(status, t('正在保存并检查…', 'Saving and checking…'), 'saving');
    try {
      const body = JSON.stringify({ text: await editor.getText() });
      const response = await fetch(page.dataset.saveUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json',
          'X-CSRFToken': page.dataset.csrf },
        body
      });
      let answer = {};
      try {
        answer = await response.json();
      } catch (e) {
        answer = {};
      }
      if (Array.isArray(answer.problems)) {
        showAll(answer.problems);
      }
      showExamples(page.querySelector('[data-role="examples"]'), answer.examples);
      if (response.ok && answer.saved) {
        dirty = false;
        const errors = (answer.problems || []).filter((p) => p.severity !== 'warning').length;
        const red = (answer.examples && answer.examples.failed) || 0;
        const version = answer.version ? String(answer.version).slice(0, 12) : '';
        setStatus(status, t(`已保存${version ? `（草稿版本 ${version}）` : ''}`
          + (errors ? `，但有 ${errors} 个错误需要修正后才能发布` : '')
          + (red ? `；${red} 个示例未通过，改正前不能提交审核` : ''),
        `Saved${version ? ` (draft version ${version})` : ''}`
          + (errors ? `, but ${errors} error(s) must be corrected before it can be published` : '')
          + (red ? `; ${red} example(s) fail, it cannot be submitted for approval until they pass` : '')),
        errors ? 'error' : 'saved');
        status.classList.toggle('cf-save-warn', !errors && red > 0);
      } else {
        const reason = answer.message || answer.error
          || (response.ok ? t('服务器拒绝保存', 'the server refused to save it') : `HTTP ${response.status}`);
        setStatus(status, t(`未保存：${reason}。修改仍在编辑器中，请修正后再保存。`,
          `Not saved: ${reason}. The changes are still in the editor; correct them and save again.`), 'error');
      }
    } catch (error) {
      const reason = (error && error.message) || error;
      setStatus(status, t(`未保存：${reason}。修改仍在编辑器中。`, `Not saved: ${reason}. The changes are still in the editor.`),
        'error');
    } finally {
      saving = false;
      saveButton.disabled = false;
    }
  }

  saveButton.addEventListener('click', save);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') {
      event.preventDefault();
      save();
    }
  });
  // The server may answer with the problems of the whole draft: this file's are shown in the
  // editor, the others counted beneath the list.
  function showAll(problems) {
    const path = page.dataset.path;
    // The engine names a form's file without its folder ("x.form" for "forms/x.form").
    const here = problems.filter((p) => !p.file || !path || p.file === path || path.endsWith(`/${p.file}`));
    editor.showProblems(here);
    const elsewhere = problems.length - here.length;
    const box = page.querySelector('[data-role="problems"]');
    if (elsewhere && box) {
      const errors = problems.filter((p) => !here.includes(p) && p.severity !== 'warning').length;
      const note = document.createElement('p');
      note.className = 'cf-problems-elsewhere';
      note.dataset.role = 'problems-elsewhere';
      note.textContent = t(`草稿中其他文件还有 ${elsewhere} 个问题（其中 ${errors} 个错误），请回到草稿查看。`,
        `Other files of the draft have ${elsewhere} more problem(s) (${errors} error(s)): see the draft.`);
      box.append(note);
    }
  }

  const initial = readJson('cf-problems');
  if (Array.isArray(initial)) {
    showAll(initial);
  }
  saveButton.disabled = false;
  setStatus(status, t('没有未保存的修改', 'No unsaved changes'), 'clean');
  page.dataset.state = 'ready';
  window.clueflowEditor = editor; // for the browser tests and the console
}

function start() {
  document.querySelectorAll('[data-editor]').forEach((page) => mount(page));
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
