// The editor page (templates/editor/file.html): mounts the editor of the file's kind, saves it with
// 保存 (or Ctrl+S) as JSON {"text": ...} to the draft, and shows what the server answers: the
// problems at their elements and in the list, the decision examples green or red. Unsaved changes
// are not lost silently: leaving the page asks first.

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
  return value === undefined ? '（无）' : JSON.stringify(value);
}

// What a red example got wrong, output by output: "amount 期望 500，实际 600".
function differences(result) {
  const expected = result.expected || {};
  const actual = result.actual || {};
  const wrong = Object.keys(expected).filter((k) => shown(expected[k]) !== shown(actual[k]));
  const said = wrong.map((k) => `${k} 期望 ${shown(expected[k])}，实际 ${shown(actual[k])}`);
  if (result.error) {
    said.push(result.error);
  }
  return said.join('；') || `期望 ${shown(expected)}，实际 ${shown(actual)}`;
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
    ? `示例测试：${failed} 个未通过，${passed} 个通过`
    : `示例测试：全部 ${passed} 个通过`;
  const list = document.createElement('ul');
  list.className = 'cf-example-list';
  const tables = new Set();
  results.filter((r) => !r.ok).forEach((r) => {
    const li = document.createElement('li');
    li.className = 'cf-example-failed';
    const what = document.createElement('strong');
    what.textContent = `${r.decision || ''} 示例 ${r.case ?? ''}`;
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
      a.textContent = `修改 ${decision} 的示例表`;
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
    setStatus(status, '编辑器的前端资源尚未构建，请运行 make install 后刷新本页。', 'error');
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
    setStatus(status, `无法打开文件：${(error && error.message) || error}`, 'error');
    page.dataset.state = 'error';
    return;
  }

  let dirty = false;
  let saving = false;
  const markDirty = () => {
    dirty = true;
    setStatus(status, '有未保存的修改', 'dirty');
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
    setStatus(status, '正在保存并检查…', 'saving');
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
        setStatus(status, `已保存${answer.version ? `（草稿版本 ${String(answer.version).slice(0, 12)}）` : ''}`
          + (errors ? `，但有 ${errors} 个错误需要修正后才能发布` : '')
          + (red ? `；${red} 个示例未通过，改正前不能提交审核` : ''), errors ? 'error' : 'saved');
        status.classList.toggle('cf-save-warn', !errors && red > 0);
      } else {
        const reason = answer.message || answer.error || (response.ok ? '服务器拒绝保存' : `HTTP ${response.status}`);
        setStatus(status, `未保存：${reason}。修改仍在编辑器中，请修正后再保存。`, 'error');
      }
    } catch (error) {
      setStatus(status, `未保存：${(error && error.message) || error}。修改仍在编辑器中。`, 'error');
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
      note.textContent = `草稿中其他文件还有 ${elsewhere} 个问题（其中 ${errors} 个错误），请回到草稿查看。`;
      box.append(note);
    }
  }

  const initial = readJson('cf-problems');
  if (Array.isArray(initial)) {
    showAll(initial);
  }
  saveButton.disabled = false;
  setStatus(status, '没有未保存的修改', 'clean');
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
