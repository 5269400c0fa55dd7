// The form editor: form-js editor for the pack's .form files (palette, canvas, properties panel).
// Problems are listed by field key (or id), and that field is marked in the editor's canvas.
// Provides window.ClueflowEditors.form.

import { FormEditor } from '@bpmn-io/form-js-editor';

import { keepChinese } from './form-editor-words.js';
import { placeOf, problemsBox, provide, renderProblems, severityOf } from './editor-problems.js';
import { ENGLISH, t } from './lang.js';
import './form-editor.css';

let counter = 0;

function fieldsByKey(schema, found = new Map()) {
  (schema.components || []).forEach((component) => {
    // The engine names a field by its key, else by its id.
    if (component.id) {
      found.set(component.id, component);
    }
    if (component.key) {
      found.set(component.key, component);
    }
    if (component.components) {
      fieldsByKey(component, found);
    }
  });
  return found;
}

async function form(container, { schema } = {}) {
  counter += 1;
  const scope = `cf-form-${counter}`;
  container.classList.add('cf-form-editor');
  container.dataset.formScope = scope;
  const marks = document.createElement('style');
  document.head.append(marks);

  const editor = new FormEditor({ container });
  const parsed = typeof schema === 'string' ? JSON.parse(schema) : schema;
  await editor.importSchema(parsed);
  if (!ENGLISH) {  // the library's own words are English
    keepChinese(container);
  }
  const listeners = [];
  editor.on('changed', () => listeners.forEach((fn) => fn()));

  function showProblems(problems = []) {
    const fields = fieldsByKey(editor.saveSchema());
    const rules = [];
    const placed = new Set();
    problems.forEach((problem) => {
      const key = problem.element || problem.column || '';
      const field = fields.get(key);
      if (!field || !field.id) {
        return;
      }
      placed.add(problem);
      const edge = severityOf(problem) === 'error' ? '#c62828' : '#c98a00';
      rules.push(`[data-form-scope="${scope}"] .fjs-element[data-id="${CSS.escape(field.id)}"] `
        + `{ outline: 3px solid ${edge}; outline-offset: 2px; }`);
    });
    marks.textContent = rules.join('\n');
    renderProblems(problemsBox(container), problems, {
      placed: (p) => placed.has(p),
      label: (p) => placeOf(p, t('字段', 'field')),
      onPick: (p) => {
        const field = fields.get(p.element || p.column || '');
        const node = field && container.querySelector(`.fjs-element[data-id="${CSS.escape(field.id)}"]`);
        if (node) {
          node.scrollIntoView({ block: 'center' });
          node.click();
        }
      }
    });
  }

  return {
    editor,
    async getText() {
      return `${JSON.stringify(editor.saveSchema(), null, 2)}\n`;
    },
    showProblems,
    onChange(fn) {
      listeners.push(fn);
    }
  };
}

provide({ form });
