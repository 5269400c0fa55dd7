// The list of problems the server found in a file, shown beside its editor. Each editor also marks
// the problems at the element, rule or field they concern and says here which could not be placed.

import { t } from './lang.js';

const SEVERITY = { error: t('错误', 'error'), warning: t('警告', 'warning') };

export function severityOf(problem) {
  return problem.severity === 'warning' ? 'warning' : 'error';
}

/** Where a problem is, in words: element, rule and column as the server named them. */
export function placeOf(problem, elementLabel = t('位置', 'at')) {
  const parts = [];
  if (problem.element) {
    parts.push(`${elementLabel} ${problem.element}`);
  }
  if (problem.rule) {
    parts.push(t(`规则 ${problem.rule}`, `rule ${problem.rule}`));
  }
  if (problem.column) {
    parts.push(t(`列 ${problem.column}`, `column ${problem.column}`));
  }
  return parts.join(' · ');
}

/**
 * Fill `list` (an element) with the problems; `onPick(problem)` is called when one is clicked.
 * `label(problem)` gives the place in words; `placed(problem)` whether it is also marked in the editor.
 */
export function renderProblems(list, problems, { onPick, label = placeOf, placed = () => false } = {}) {
  list.replaceChildren();
  list.dataset.count = String(problems.length);
  const errors = problems.filter((p) => severityOf(p) === 'error').length;
  const head = document.createElement('p');
  head.className = 'cf-problems-head';
  head.textContent = problems.length
    ? t(`发现 ${errors} 个错误、${problems.length - errors} 个警告`, `${errors} error(s), ${problems.length - errors} warning(s)`)
    : t('未发现问题', 'No problems found');
  head.dataset.state = errors ? 'error' : (problems.length ? 'warning' : 'ok');
  list.append(head);
  if (!problems.length) {
    return;
  }
  const ul = document.createElement('ul');
  ul.className = 'cf-problem-list';
  problems.forEach((problem) => {
    const li = document.createElement('li');
    const severity = severityOf(problem);
    li.className = `cf-problem cf-problem-${severity}`;
    if (problem.element) {
      li.dataset.element = problem.element;
    }
    const badge = document.createElement('span');
    badge.className = 'cf-badge';
    badge.textContent = SEVERITY[severity];
    const where = document.createElement('span');
    where.className = 'cf-problem-where';
    where.textContent = label(problem) || t('整个文件', 'the whole file');
    const message = document.createElement('span');
    message.className = 'cf-problem-message';
    message.textContent = problem.message || '';
    li.append(badge, where, message);
    if (!placed(problem) && (problem.element || problem.rule || problem.column)) {
      const note = document.createElement('span');
      note.className = 'cf-problem-note';
      note.textContent = t('（未能在编辑器中定位）', '(not found in the editor)');
      li.append(note);
    }
    if (onPick) {
      li.tabIndex = 0;
      li.setAttribute('role', 'button');
      li.addEventListener('click', () => onPick(problem));
      li.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onPick(problem);
        }
      });
    }
    ul.append(li);
  });
  list.append(ul);
}

/** The problems list box of an editor: the element with [data-role=problems] near the container, or a new one. */
export function problemsBox(container) {
  const scope = container.closest('[data-editor]') || container.parentElement;
  let box = scope && scope.querySelector('[data-role="problems"]');
  if (!box) {
    box = document.createElement('div');
    box.dataset.role = 'problems';
    container.after(box);
  }
  box.classList.add('cf-problems');
  box.setAttribute('aria-live', 'polite');
  return box;
}

/** Merge a partial set of entry points into window.ClueflowEditors (each bundle brings its own). */
export function provide(functions) {
  window.ClueflowEditors = Object.assign(window.ClueflowEditors || {}, functions);
}
