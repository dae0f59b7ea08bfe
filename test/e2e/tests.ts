/**
 * The end-to-end test cases, in order; each gets the shared workbench. A test throws to fail.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeServer } from './codeServer';
import { REPO_ROOT } from './codeServer';
import type { Frame } from 'playwright-core';
import { QUICK_INPUT, type Workbench } from './workbench';
import { scaled } from '../timeScale';

export interface E2eContext {
  wb: Workbench;
  server: CodeServer;
  workspace: string;
  screenshots: string[];
}

export interface E2eTest {
  name: string;
  run(ctx: E2eContext): Promise<void>;
}

interface ContributedCommand {
  command: string;
  title: string;
  category: string;
}

interface Manifest {
  contributes: {
    commands: ContributedCommand[];
    menus: { commandPalette: { command: string; when: string }[] };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** Commands hidden from the palette until their context holds (e.g. Stop Training). */
const HIDDEN_UNTIL_CONTEXT = new Set(
  manifest.contributes.menus.commandPalette.filter((m) => /^seq2seq\.\w+$/.test(m.when)).map((m) => m.command),
);

/** Selects `distance()` in geometry.py (its first four lines) and opens the attention explorer on it. */
async function showAttentionForDistance(wb: Workbench): Promise<Frame> {
  await wb.clickLine('def distance');
  await wb.page.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await wb.page.keyboard.press('Shift+ArrowDown');
  await wb.page.keyboard.press('Shift+End');
  await wb.runCommand('Seq2Seq: Show Attention for Selection');
  return wb.webviewFrame('#heatmap[data-rows]', 90_000);
}

/**
 * Leaves snippet mode and brings the file back to `before`: File: Revert File, then undo steps
 * if the revert was lost to a widget that had the focus. The editor's text is read from the lines
 * it draws, so each read brings the top of the file into view first: after an edit that grew the
 * file, the reverted file can be left scrolled past its first lines.
 */
async function restore(wb: Workbench, before: string): Promise<void> {
  await wb.page.keyboard.press('Escape');
  await wb.runCommand('File: Revert File');
  await wb.page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
  const fromTop = async (): Promise<string> => {
    await wb.page.keyboard.press('Control+Home');
    await wb.rendered();
    return wb.editorText();
  };
  try {
    // The revert reads the file again: wait for it.
    await wb.until('the file reverted', async () => ((await fromTop()) === before ? true : undefined), 5_000);
  } catch {
    for (let i = 0; i < 15 && (await fromTop()) !== before; i++) await wb.page.keyboard.press('Control+z');
    await wb.waitForEditorText((t) => t === before, 5_000);
  }
}

/**
 * The docstring under the first line starting with `header`: its lines joined, or '' when there is
 * none (yet).
 */
function docstringAfter(text: string, header: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(header));
  const first = lines[at + 1];
  if (at < 0 || first === undefined || !/^\s*"""/.test(first)) return '';
  if (/^\s*""".*\S.*"""\s*$/.test(first)) return first;
  const end = lines.findIndex((l, i) => i > at + 1 && /"""\s*$/.test(l));
  return end < 0 ? '' : lines.slice(at + 1, end + 1).join('\n');
}

/**
 * Document All's quick pick: its rows' function names and whether each is ticked. Read once its
 * title ("Seq2Seq: N doc comments for file") is shown and N rows are drawn: until then the rows
 * on screen can still be the command palette's, which the command replaced.
 */
async function documentAllRows(wb: Workbench): Promise<{ name: string; checked: boolean }[]> {
  const title = wb.page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: /\d+ doc comments? for / });
  await title.first().waitFor({ timeout: scaled(90_000) });
  const expected = Number(/(\d+) doc comment/.exec(await title.first().innerText())![1]);
  const rows = wb.page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  await wb.until(
    `${expected} rows in Document All's list`,
    async () => ((await rows.count()) === expected ? true : undefined),
    15_000,
  );
  return rows.evaluateAll((els) =>
    els.map((el) => {
      const box = el.querySelector('input[type="checkbox"]') as { checked?: boolean } | null;
      const toggle = el.querySelector('.monaco-checkbox, .monaco-custom-toggle');
      const checked =
        el.getAttribute('aria-checked') === 'true' ||
        box?.checked === true ||
        (toggle?.classList.contains('checked') ?? false) ||
        toggle?.getAttribute('aria-checked') === 'true';
      const label = (el.querySelector('.label-name') ?? el).textContent ?? '';
      return { name: label.trim().split(/\s+/)[0] ?? '', checked };
    }),
  );
}

/** Selects a model by its row in Select Model… and waits for the status bar to name it. */
export async function pickModel(wb: Workbench, label: string): Promise<void> {
  // Until the extension host has started, the palette does not list the extension's commands.
  await wb.paletteRows('Seq2Seq: Select Model', true);
  await wb.closePalette();
  await wb.runCommand('Seq2Seq: Select Model…');
  const row = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label });
  await row.first().click({ timeout: scaled(15_000) });
  const status = label === 'tiny' ? 'Seq2Seq: tiny' : 'Seq2Seq: default';
  await wb.page
    .locator('.statusbar-item', { hasText: status })
    .first()
    .waitFor({ timeout: scaled(15_000) });
}

/**
 * The "Generate doc comment" lenses, each with the text of the line right below it, top to bottom,
 * once at least `expected` of them are drawn and they hold still. Lenses render one by one, and
 * after an edit or a revert VS Code can drop them all and draw them again once the provider
 * answers (seconds later on a busy machine), so the lenses are read again until they settle,
 * and a click finds its lens by the line below it at the time of the click.
 */
async function lensesAbove(
  wb: Workbench,
  prefix: string,
  expected: number,
): Promise<{ line: string; click: () => Promise<void> }[]> {
  const lenses = wb.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Generate doc comment' });
  const read = async (): Promise<{ index: number; y: number; line: string }[]> => {
    const lines = wb.page.locator('.monaco-editor .view-lines .view-line');
    const lineBoxes: { y: number; text: string }[] = [];
    for (let i = 0; i < (await lines.count()); i++) {
      const box = await lines.nth(i).boundingBox();
      const text = ((await lines.nth(i).textContent()) ?? '').replace(/\u00a0/g, ' ').trim();
      if (box && text.startsWith(prefix)) lineBoxes.push({ y: box.y, text });
    }
    const out: { index: number; y: number; line: string }[] = [];
    for (let i = 0; i < (await lenses.count()); i++) {
      const box = await lenses.nth(i).boundingBox();
      if (!box) continue;
      const below = lineBoxes.filter((l) => l.y > box.y).sort((a, b) => a.y - b.y)[0];
      out.push({ index: i, y: box.y, line: below?.text ?? '' });
    }
    return out.sort((a, b) => a.y - b.y);
  };
  const found = await wb.until(
    `${expected} "Generate doc comment" lenses`,
    async () => {
      const now = await wb.settled(read);
      return now.length >= expected ? now : undefined;
    },
    60_000,
  );
  return found.map(({ line }) => ({
    line,
    click: async () => {
      const lens = (await read()).find((l) => l.line === line);
      if (!lens) throw new Error(`no "Generate doc comment" lens above ${line} any more`);
      await lenses.nth(lens.index).click();
    },
  }));
}

export const e2eTests: E2eTest[] = [
  {
    name: 'every contributed command is listed in the palette',
    async run({ wb, screenshots }) {
      await wb.openFile('geometry.py');
      const rows = await wb.paletteRows('Seq2Seq', true);
      assert.ok(rows.length > 3, `expected Seq2Seq commands in the palette, saw ${rows.length}`);
      screenshots.push(await wb.screenshot('palette-seq2seq-commands'));
      for (const cmd of manifest.contributes.commands) {
        const label = `${cmd.category}: ${cmd.title}`;
        const found = (await wb.paletteRows(label)).some((r) => r.includes(label));
        if (HIDDEN_UNTIL_CONTEXT.has(cmd.command)) {
          assert.ok(!found, `${label} should be hidden until its context holds`);
        } else {
          assert.ok(found, `${label} is not in the command palette`);
        }
      }
      await wb.closePalette();
    },
  },
  {
    name: 'the extension activates and Show Engine Status reports the backend',
    async run({ wb, screenshots }) {
      await wb.runCommand('Seq2Seq: Show Engine Status');
      const text = await wb.notification(/Seq2Seq engine:/);
      screenshots.push(await wb.screenshot('engine-status'));
      assert.match(text, /Using (WebAssembly|TensorFlow|JavaScript CPU)/);
      const activation = /activated in ([\d.]+) ms/.exec(text);
      assert.ok(activation, `no activation time in "${text}"`);
      console.log(`    backend message: ${text}`);
      console.log(`    activate() took ${activation[1]} ms in the extension host`);
    },
  },
  {
    name: 'Comment Selection inserts a docstring into the function at the cursor, and one undo removes it',
    async run({ wb, screenshots }) {
      await wb.openFile('geometry.py');
      const before = await wb.editorText();
      await wb.clickLine('math.pi * radius');
      await wb.runCommand('Seq2Seq: Comment Selection');
      // Waits for the docstring itself: the editor's text is read from its rendered lines, and a
      // busy machine can show an intermediate render that differs from `before` without it.
      const after = await wb.waitForEditorText((t) => /^def circle_area.*\n {4}"""/m.test(t), 90_000);
      screenshots.push(await wb.screenshot('comment-selection-python'));
      const lines = after.split('\n');
      const def = lines.findIndex((l) => l.startsWith('def circle_area'));
      assert.ok(def >= 0, after);
      assert.match(lines[def + 1] ?? '', /^ {4}"""/, `no docstring under the def:\n${after}`);
      // Only the docstring was added: without it the text is what it was.
      let end = def + 1;
      if (!/^ {4}""".+"""$/.test(lines[end]!)) while (end < lines.length && lines[end]!.trim() !== '"""') end++;
      assert.strictEqual([...lines.slice(0, def + 1), ...lines.slice(end + 1)].join('\n'), before);
      await wb.page.keyboard.press('Control+z');
      await wb.waitForEditorText((t) => t === before, 10_000);
    },
  },
  {
    name: 'Comment Selection on a TypeScript function inserts a /** */ block above it (latency over 5 runs)',
    async run({ wb, screenshots }) {
      await wb.openFile('strings.ts');
      // The whole file rendered, then the JSDoc itself: a partly rendered editor differs from
      // `before` too, and was once taken for the insertion.
      const before = await wb.waitForEditorText((t) => t.includes('w.length > 0).length;'), 10_000);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        await wb.clickLine('text.split(/');
        const t0 = Date.now();
        await wb.runCommand('Seq2Seq: Comment Selection');
        const after = await wb.waitForEditorText((t) => /\*\/\nexport function countWords/.test(t), 60_000);
        times.push(Date.now() - t0);
        const lines = after.split('\n');
        const fn = lines.findIndex((l) => l.startsWith('export function countWords'));
        assert.strictEqual(lines[fn - 1], ' */', `no JSDoc above countWords:\n${after}`);
        assert.ok(lines.slice(0, fn).some((l) => l === '/**'));
        if (i === 0) screenshots.push(await wb.screenshot('comment-selection-typescript'));
        await wb.page.keyboard.press('Control+z');
        await wb.waitForEditorText((t) => t === before, 10_000);
      }
      times.sort((a, b) => a - b);
      console.log(`    Comment Selection, command to inserted text: p50 ${times[2]} ms (runs: ${times.join(', ')} ms)`);
    },
  },
  {
    name: 'without a function at the cursor, or in an unsupported language, Comment Selection says what to do',
    async run({ wb }) {
      await wb.openFile('geometry.py');
      await wb.clickLine('import math');
      await wb.runCommand('Seq2Seq: Comment Selection');
      await wb.notification(/put the cursor inside a function, or select some code/, 15_000);
      await wb.openFile('notes.txt');
      await wb.runCommand('Seq2Seq: Comment Selection');
      await wb.notification(/plaintext is not supported yet/, 15_000);
    },
  },
  {
    name: 'code lenses offer "Generate doc comment" above undocumented functions only',
    async run({ wb, screenshots }) {
      await wb.openFile('strings.ts');
      const lenses = wb.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Generate doc comment' });
      // capitalize and countWords have no JSDoc; reverse has one. Lenses render one by one, so wait
      // for the second, then for the lenses of every function in view: the third function's line
      // drawn with its lens or without one, the count is final.
      const count = await wb.until(
        'two lenses that hold still',
        async () => {
          const n = await wb.settled(() => lenses.count());
          return n >= 2 ? n : undefined;
        },
        60_000,
      );
      screenshots.push(await wb.screenshot('code-lenses-typescript'));
      assert.strictEqual(count, 2);
      const before = await wb.waitForEditorText((t) => t.includes('w.length > 0).length;'), 10_000);
      await lenses.first().click();
      // The JSDoc itself: a partly drawn editor differs from `before` too.
      const after = await wb.waitForEditorText((t) => /\*\/\nexport function capitalize/.test(t), 60_000);
      assert.ok(after.startsWith('/**'), `the lens did not document capitalize:\n${after}`);
      await wb.page.keyboard.press('Control+z');
      await wb.waitForEditorText((t) => t === before, 10_000);
    },
  },
  {
    name: 'typing """ under a def offers the whole docstring (Google style), inserted as one snippet',
    async run({ wb, screenshots }) {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.openFile('geometry.py');
      const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
      await wb.clickLine('def circle_area');
      await wb.page.keyboard.press('Enter');
      await wb.page.keyboard.type('"""');
      const row = wb.page.locator('.suggest-widget .monaco-list-row', { hasText: 'Generate doc comment' });
      await row.first().waitFor({ timeout: scaled(60_000) });
      await row.first().click();
      // A parameter's description: the workspace's, the parameter model's when it is sure, else a placeholder.
      const after = await wb.waitForEditorText((t) => /radius: \S/.test(t) && /\n {4}"""\n/.test(t), 30_000);
      await wb.rendered();
      screenshots.push(await wb.screenshot('doc-comment-python-google'));
      await restore(wb, before);
      const lines = after.split('\n');
      const def = lines.findIndex((l) => l.startsWith('def circle_area'));
      const end = lines.findIndex((l, i) => i > def + 1 && l === '    """');
      assert.match(lines[def + 1]!, /^ {4}"""\S/, after);
      const body = lines.slice(def + 2, end);
      assert.deepStrictEqual(
        [body[0], body[1], body[3], body[4], body[5], body.length],
        ['', '    Args:', '', '    Returns:', '        _description_', 6],
        after,
      );
      assert.match(body[2]!, /^ {8}radius: \S/, after);
      // Nothing else changed: no stray quotes, no extra line.
      assert.strictEqual([...lines.slice(0, def + 1), ...lines.slice(end + 1)].join('\n'), before);
    },
  },
  {
    name: 'Generate Doc Comment writes NumPy style when seq2seq.docComment.format says so for Python',
    async run({ wb, workspace, screenshots }) {
      // A workspace setting (the folder's files are watched), as a per-language object.
      const settings = path.join(workspace, '.vscode', 'settings.json');
      fs.mkdirSync(path.dirname(settings), { recursive: true });
      fs.writeFileSync(settings, JSON.stringify({ 'seq2seq.docComment.format': { python: 'numpy' } }));
      try {
        await wb.openFile('geometry.py');
        const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
        // The settings file is watched: until the change arrives the comment is in Google style, so
        // the command is run again (from the file as it was) until it writes NumPy style.
        const deadline = Date.now() + scaled(60_000);
        let after = '';
        for (let attempt = 0; !/Parameters\n {4}-{10}\n {4}x1\n/.test(after); attempt++) {
          if (attempt > 0) {
            if (Date.now() > deadline) throw new Error(`no NumPy docstring after ${attempt} tries:\n${after}`);
            await restore(wb, before);
          }
          await wb.clickLine('dx = x2 - x1');
          await wb.runCommand('Seq2Seq: Generate Doc Comment');
          after = await wb.waitForEditorText((t) => t !== before && /"""\n {4}dx = x2/.test(t), 60_000);
        }
        await wb.page.keyboard.press('Escape');
        await wb.rendered();
        screenshots.push(await wb.screenshot('doc-comment-python-numpy'));
        await restore(wb, before);
        for (const p of ['x1', 'y1', 'x2', 'y2'])
          assert.match(after, new RegExp(`\\n    ${p}\\n        \\S[^\\n]*\\n`), after);
        assert.match(after, /Returns\n {4}-------\n {4}_type_\n {8}_description_\n {4}"""\n {4}dx = x2 - x1/);
      } finally {
        // The next test that writes Python docstrings (Document All) comes several tests later.
        fs.rmSync(path.dirname(settings), { recursive: true, force: true });
      }
    },
  },
  {
    name: 'the Settings editor shows Doc Comment: Format as a dropdown, training knobs under Advanced',
    async run({ wb, screenshots }) {
      await wb.runCommand('Preferences: Open Settings (UI)');
      // The search box takes the keys once it has the focus.
      const search = wb.page.locator('.settings-editor .search-container .suggest-input-container .monaco-editor');
      await search.first().click({ timeout: scaled(20_000) });
      await wb.page
        .locator('.settings-editor .search-container .suggest-input-container .monaco-editor.focused')
        .first()
        .waitFor({ timeout: scaled(20_000) });
      await wb.page.keyboard.type('seq2seq.docComment.format');
      const item = wb.page.locator('.settings-editor .setting-item-enum').filter({ hasText: 'Format' }).first();
      await item.waitFor({ timeout: scaled(20_000) });
      // A dropdown, not "Edit in settings.json".
      assert.strictEqual(await item.locator('.edit-in-settings-button').count(), 0);
      screenshots.push(await wb.screenshot('settings-doc-comment-format-dropdown'));
      const options = (await item.locator('select option').allTextContents()).map((t) => t.trim());
      assert.ok(options.includes('numpy') && options.includes('auto'), options.join(', '));
      // The Advanced section holds the training knobs.
      await wb.page.keyboard.press('Control+A');
      await wb.page.keyboard.type('seq2seq.training.l2sp');
      await wb.page
        .locator('.settings-editor .setting-item')
        .filter({ hasText: 'L2sp' })
        .first()
        .waitFor({ timeout: scaled(20_000) });
      // The table of contents follows the search.
      const toc = await wb.until(
        'the table of contents listing Advanced',
        async () => {
          const text = (await wb.page.locator('.settings-toc-container').innerText()).replace(/\s+/g, ' ');
          return /Advanced/.test(text) ? text : undefined;
        },
        20_000,
      );
      assert.match(toc, /Advanced/, toc);
      screenshots.push(await wb.screenshot('settings-advanced-section'));
      await wb.runCommand('View: Close All Editor Groups');
    },
  },
  {
    name: 'typing /** above a TypeScript function offers a TSDoc comment with its parameters',
    async run({ wb, screenshots }) {
      await wb.openFile('strings.ts');
      const before = await wb.waitForEditorText((t) => t.includes('w.length > 0).length;'), 10_000);
      await wb.clickLine('export function capitalize');
      await wb.page.keyboard.press('Home');
      await wb.page.keyboard.press('Enter');
      await wb.page.keyboard.press('ArrowUp');
      await wb.page.keyboard.type('/**');
      const row = wb.page.locator('.suggest-widget .monaco-list-row', { hasText: 'Generate doc comment' });
      await row.first().waitFor({ timeout: scaled(60_000) });
      await row.first().click();
      const after = await wb.waitForEditorText(
        (t) => /@param word - \S/.test(t) && t.includes('@returns _description_'),
        30_000,
      );
      await wb.page.keyboard.press('Escape');
      await wb.rendered();
      screenshots.push(await wb.screenshot('doc-comment-typescript-tsdoc'));
      await restore(wb, before);
      assert.match(after, /^\/\*\*\n \* \S.*\n \*\n \* @param word - \S.*\n \* @returns _description_\n \*\/\n/, after);
    },
  },
  {
    name: 'a doc comment naming a renamed parameter gets a hint, and "Update doc comment" fixes only that name',
    async run({ wb, screenshots }) {
      await wb.openFile('docs_stale.py');
      const before = await wb.waitForEditorText((t) => t.includes('return [v * factor'), 10_000);
      await wb.page
        .locator('.monaco-editor .squiggly-hint')
        .first()
        .waitFor({ state: 'attached', timeout: scaled(60_000) });
      await wb.clickLine('ratio (float)');
      await wb.page.keyboard.press('Control+.');
      const fix = wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Update doc comment' });
      await fix.first().waitFor({ timeout: scaled(30_000) });
      screenshots.push(await wb.screenshot('doc-comment-quick-fix'));
      await wb.page.keyboard.press('Enter');
      const after = await wb.waitForEditorText((t) => !t.includes('ratio'), 15_000);
      // Every other byte as it was: only the name changed.
      assert.strictEqual(after, before.replace('ratio (float)', 'factor (float)'));
      await restore(wb, before);
    },
  },
  {
    name: 'Document All lists its comments ticked, Enter inserts them, and dunder methods and __init__ are left out',
    async run({ wb, screenshots }) {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.openFile('geometry.py');
      const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
      await wb.runCommand('Seq2Seq: Document All Undocumented Functions in File');
      const rows = await documentAllRows(wb);
      screenshots.push(await wb.screenshot('document-all-ticked'));
      // __init__ is left out: the class docstring documents its (no) arguments.
      assert.deepStrictEqual(
        rows.map((r) => r.name),
        ['circle_area', 'distance', 'Stack', 'pop'],
      );
      assert.ok(
        rows.every((r) => r.checked),
        `an entry starts unticked: ${JSON.stringify(rows)}`,
      );
      await wb.page.keyboard.press('Enter');
      const said = await wb.notification(/documented 4 functions in geometry\.py/, 30_000);
      assert.match(said, /__init__ \(the class docstring documents its arguments\)/);
      // The editor renders the lines in view: the top of the file, then its end. Waits for all three
      // docstrings at the top: a partly drawn editor can show some of them only.
      const documented = (t: string): boolean =>
        ['def circle_area', 'def distance', 'class Stack'].every((fn) => new RegExp(`${fn}.*:\\n +"""`).test(t));
      const top = await wb.waitForEditorText(documented, 30_000);
      screenshots.push(await wb.screenshot('document-all-applied'));
      for (const fn of ['def circle_area', 'def distance', 'class Stack'])
        assert.match(top, new RegExp(`${fn}.*:\\n +"""`), `${fn} was not documented:\n${top}`);
      assert.match(top, /def __init__\(self\):\n {8}self\.items = \[\]/, `__init__ got a docstring:\n${top}`);
      // Every placeholder is a tab stop: Escape leaves the snippet, then to the end of the file.
      await wb.page.keyboard.press('Escape');
      await wb.clickLine('class Stack:');
      await wb.page.keyboard.press('Control+End');
      const end = await wb.waitForEditorText((t) => /def pop\(self\):\n +"""/.test(t), 10_000);
      assert.ok(end.includes('"""Push an item onto the stack."""'), end);
      await wb.clickLine('def pop(self):');
      await restore(wb, before);
      await wb.runCommand('View: Close All Editor Groups');
    },
  },
  {
    name: 'every entry point writes the same doc comment for distance(): command, Comment Selection, light bulb, lens, """, Document All',
    async run({ wb, screenshots }) {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.openFile('geometry.py');
      // The bundled model writes words (the text gate turns all of the tiny model's into placeholders).
      await pickModel(wb, 'Default (bundled)');
      const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
      const suggestion = wb.page.locator('.suggest-widget .monaco-list-row', { hasText: 'Generate doc comment' });
      const entryPoints: [string, () => Promise<void>][] = [
        [
          'generate-doc-comment',
          async () => {
            await wb.clickLine('dx = x2 - x1');
            await wb.runCommand('Seq2Seq: Generate Doc Comment');
          },
        ],
        [
          'comment-selection',
          async () => {
            await wb.clickLine('dy = y2 - y1');
            await wb.runCommand('Seq2Seq: Comment Selection');
          },
        ],
        [
          'light-bulb',
          async () => {
            await wb.clickLine('def distance');
            await wb.page.keyboard.press('Control+.');
            const rows = wb.page.locator('.action-widget .monaco-list-row');
            await rows
              .filter({ hasText: 'Generate doc comment' })
              .first()
              .waitFor({ timeout: scaled(30_000) });
            // The widget blocks pointer events while it settles: choose with the keyboard.
            const focused = rows
              .filter({ hasText: 'Generate doc comment' })
              .and(rows.locator('xpath=self::*[contains(@class,"focused")]'));
            for (let i = 0; i < 6 && (await focused.count()) === 0; i++) await wb.page.keyboard.press('ArrowDown');
            await wb.page.keyboard.press('Enter');
          },
        ],
        [
          'code-lens',
          async () => {
            const lenses = await lensesAbove(wb, 'def ', 3);
            // Public functions only: circle_area, distance and pop; not __init__.
            assert.deepStrictEqual(
              lenses.map((l) => l.line),
              ['def circle_area(radius):', 'def distance(x1, y1, x2, y2):', 'def pop(self):'],
            );
            await lenses[1]!.click();
          },
        ],
        [
          'typing-quotes',
          async () => {
            await wb.clickLine('def distance');
            await wb.page.keyboard.press('End');
            await wb.page.keyboard.press('Enter');
            await wb.page.keyboard.type('"""');
            await suggestion.first().waitFor({ timeout: scaled(60_000) });
            await suggestion.first().click();
          },
        ],
        [
          'document-all',
          async () => {
            await wb.runCommand('Seq2Seq: Document All Undocumented Functions in File');
            await documentAllRows(wb);
            await wb.page.keyboard.press('Enter');
          },
        ],
      ];
      const texts: [string, string][] = [];
      for (const [name, run] of entryPoints) {
        await run();
        await wb.waitForEditorText((t) => docstringAfter(t, 'def distance') !== '', 90_000);
        // Read once the drawn text holds still (a busy machine draws a long docstring in steps).
        const after = await wb.settled(() => wb.editorText());
        screenshots.push(await wb.screenshot(`same-text-${name}`));
        const doc = docstringAfter(after, 'def distance');
        console.log(`    ${name}: ${JSON.stringify(doc)}`);
        texts.push([name, doc]);
        await wb.clickLine('def distance');
        await restore(wb, before);
      }
      await wb.runCommand('View: Close All Editor Groups');
      await pickModel(wb, 'tiny');
      const [first, ...rest] = texts;
      assert.match(first![1], /^ {4}"""\S/);
      for (const [name, text] of rest)
        assert.strictEqual(text, first![1], `${name} wrote other text than ${first![0]}`);
    },
  },
  {
    name: 'after the last placeholder, Tab ends after the docstring: one more Tab leaves the body as it was',
    async run({ wb, screenshots }) {
      await wb.openFile('geometry.py');
      const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
      await wb.clickLine('dx = x2 - x1');
      await wb.runCommand('Seq2Seq: Generate Doc Comment');
      await wb.waitForEditorText((t) => docstringAfter(t, 'def distance') !== '', 90_000);
      await wb.settled(() => wb.editorText());
      // distance's Google docstring has six placeholders: the summary, four arguments, the return value.
      // The keys are handled in order, each at once; the text is read once the last one is drawn.
      for (let i = 0; i < 6; i++) {
        await wb.page.keyboard.press('Tab');
        await wb.rendered();
      }
      await wb.page.keyboard.press('Tab');
      await wb.rendered();
      screenshots.push(await wb.screenshot('tab-stop-after-docstring'));
      const text = await wb.editorText();
      const lines = text.split('\n');
      const close = lines.findIndex(
        (l, i) => i > lines.findIndex((x) => x.startsWith('def distance')) + 1 && /^ {4}"""/.test(l),
      );
      assert.ok(close > 0, text);
      assert.strictEqual(lines[close + 1], '    dx = x2 - x1', `the extra Tab moved the body:\n${text}`);
      await restore(wb, before);
    },
  },
  {
    name: 'Show Attention draws the heatmap and hovering an output token highlights the source in the editor',
    async run({ wb, screenshots }) {
      await wb.openFile('geometry.py');
      const frame = await showAttentionForDistance(wb);
      const heatmap = frame.locator('#heatmap');
      const rows = Number(await heatmap.getAttribute('data-rows'));
      const cols = Number(await heatmap.getAttribute('data-cols'));
      const srcTokens = await frame.locator('.src-token').count();
      const outTokens = await frame.locator('.out-token').count();
      assert.ok(cols > 5 && rows > 0, `heatmap is ${rows} x ${cols}`);
      assert.strictEqual(srcTokens, cols, 'one source label per heatmap column');
      assert.strictEqual(outTokens, rows, 'one output label per heatmap row');
      const beams = await frame.locator('.beam').count();
      assert.ok(beams >= 1);
      screenshots.push(await wb.screenshot('attention-panel'));
      const decorated = async (): Promise<number> =>
        wb.page.evaluate<number>(
          `document.querySelectorAll('.monaco-editor .view-overlays [class*="ced-"], .monaco-editor .view-lines span[class*="ced-"]').length`,
        );
      const baseline = await decorated();
      await frame.locator('.out-token').first().hover();
      await wb.until(
        'decorations on the source after hovering an output token',
        async () => ((await decorated()) > baseline ? true : undefined),
        10_000,
        200,
      );
      screenshots.push(await wb.screenshot('attention-hover-decorations'));
      if (beams > 1) {
        await frame.locator('.beam').nth(1).click();
        await frame
          .locator('.beam.selected, .beam[aria-selected="true"]')
          .nth(0)
          .waitFor({ timeout: scaled(5_000) });
      }
    },
  },
  {
    name: 'Fine-tune on Workspace trains live in the dashboard, and Stop ends the run with a saved checkpoint',
    async run({ wb, server, screenshots }) {
      await wb.runCommand('Seq2Seq: Fine-tune on Workspace');
      const dialog = wb.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: scaled(60_000) });
      const question = (await dialog.innerText()).replace(/\s+/g, ' ');
      assert.match(question, /found \d+ documented functions in \d+ files \(.*python \d+/);
      await dialog.locator('.monaco-button', { hasText: 'Until it stops improving' }).click();
      const frame = await wb.webviewFrame('#step-counter', 60_000);
      const points = async (): Promise<number> =>
        Number((await frame.locator('#loss-chart').getAttribute('data-points')) ?? '0');
      await wb.until('two loss points', async () => ((await points()) >= 2 ? true : undefined), 120_000, 500);
      assert.ok(Number(await frame.locator('#step-counter').getAttribute('data-step')) >= 1);
      // Message rate into the webview while training runs (the host coalesces to <= 10/s).
      const count = async (): Promise<number> =>
        Number((await frame.locator('body').getAttribute('data-event-messages')) ?? '0');
      // A measurement over three seconds, not a wait for something to happen.
      const [m0, t0] = [await count(), Date.now()];
      await wb.page.waitForTimeout(3000);
      const rate = ((await count()) - m0) / ((Date.now() - t0) / 1000);
      console.log(`    dashboard event messages during training: ${rate.toFixed(1)}/s`);
      assert.ok(rate <= 12, `the webview got ${rate.toFixed(1)} messages/s`);
      screenshots.push(await wb.screenshot('dashboard-training-light'));
      // The same panel in the dark theme: VS Code's own toggle, then the webview's body class.
      await wb.runCommand('Preferences: Toggle between Light/Dark Themes');
      await frame.locator('body.vscode-dark').waitFor({ timeout: scaled(15_000) });
      await wb.rendered();
      screenshots.push(await wb.screenshot('dashboard-training-dark'));
      await frame.locator('#stop-button').click();
      await frame.locator('#pause-button[disabled]').waitFor({ timeout: scaled(10_000) });
      await frame.locator('#run-status[data-status="finished"]').waitFor({ timeout: scaled(60_000) });
      await frame.locator('#checkpoint-info[data-saved="true"]').waitFor({ timeout: scaled(10_000) });
      assert.ok(await frame.locator('#pause-button').isDisabled(), 'Pause is still enabled after the run ended');
      screenshots.push(await wb.screenshot('dashboard-stopped-dark'));
      await wb.runCommand('Preferences: Toggle between Light/Dark Themes');
      await frame.locator('body.vscode-light').waitFor({ timeout: scaled(15_000) });
      // The guard scores the stopped run against the base on the held-out functions: either way the
      // message names both numbers.
      const done = await wb.notification(
        /fine-tuning cancelled after \d+ steps; saved as .*chrF [\d.]+ vs [\d.]+|did not beat .*chrF [\d.]+ vs [\d.]+.*kept/,
        180_000,
      );
      console.log(`    ${done}`);
      // The verdict stays in the dashboard's header with both models' held-out scores.
      await wb.runCommand('Seq2Seq: Show Training Dashboard');
      const verdictFrame = await wb.webviewFrame('#verdict', 30_000);
      const verdict = verdictFrame.locator('#verdict:not([hidden])');
      await verdict.waitFor({ timeout: scaled(30_000) });
      const verdictText = (await verdict.innerText()).replace(/\s+/g, ' ');
      console.log(`    dashboard verdict: ${verdictText}`);
      assert.match(verdictText, /new model beats|Kept /, verdictText);
      if (/did not beat|Kept /.test(done)) {
        assert.match(verdictText, /chrF/, verdictText);
        assert.strictEqual(await verdictFrame.locator('#run-status').getAttribute('data-tone'), 'warning');
      }
      await verdict.scrollIntoViewIfNeeded();
      screenshots.push(await wb.screenshot('dashboard-verdict'));
      // The editor's responsiveness while the run trained in worker threads (reported, not timed).
      const delay = await wb.until(
        'the event-loop delay line of the fine-tune in the extension host log',
        () =>
          server
            .extensionHostLog()
            .match(
              /fine-tune: extension host event-loop delay p50 [\d.]+ ms, p99 ([\d.]+) ms, max [\d.]+ ms \(\d+ samples\)/,
            ) ?? undefined,
        10_000,
        500,
      );
      console.log(`    ${delay[0]}`);
    },
  },
  {
    name: 'with the bundled default model selected, Comment Selection writes a real comment and the attention explorer shows copying',
    async run({ wb, screenshots }) {
      // One editor only: earlier tests leave groups beside (the dashboard), and a file shown in two
      // groups would be read twice.
      await wb.runCommand('View: Close All Editor Groups');
      await pickModel(wb, 'Default (bundled)');
      await wb.openFile('geometry.py');
      // The whole file rendered, so that only the insertion can change the text.
      const before = await wb.waitForEditorText((t) => t.includes('return self.items.pop()'), 10_000);
      await wb.clickLine('dx = x2 - x1');
      const started = Date.now();
      await wb.runCommand('Seq2Seq: Comment Selection');
      const after = await wb.waitForEditorText((t) => /def distance\(.*\):\n {4}"""/.test(t), 90_000);
      console.log(`    default model: comment inserted ${Date.now() - started} ms after the command`);
      screenshots.push(await wb.screenshot('comment-selection-default-model'));
      const lines = after.split('\n');
      const def = lines.findIndex((l) => l.startsWith('def distance'));
      let end = def + 1;
      if (!/^ {4}""".+"""$/.test(lines[end] ?? '')) while (end < lines.length && lines[end]!.trim() !== '"""') end++;
      const doc = lines
        .slice(def + 1, end + 1)
        .map((l) => l.trim())
        .join(' ');
      console.log(`    default model wrote: ${doc}`);
      assert.match(doc, /^""".*[A-Za-z]{3,}.*[A-Za-z]{3,}/, `not a comment of words:\n${after}`);
      await wb.page.keyboard.press('Control+z');
      await wb.waitForEditorText((t) => t === before, 10_000);
      // The attention explorer shows the default model's copy mechanism: each beam says how many
      // of its tokens were copied from the source (the code or the retrieved neighbour's summary).
      const frame = await showAttentionForDistance(wb);
      const head = await frame.locator('.beam-head').first().innerText();
      console.log(`    default model, best beam: ${head.trim()}`);
      assert.match(head, /\d+ copied/, 'the beam list does not report copied tokens');
      screenshots.push(await wb.screenshot('attention-default-model'));
      await wb.runCommand('View: Close All Editor Groups');
      // Find Code by Description over the fixture workspace, which has almost no doc comments:
      // the workspace index is built in the worker, BM25 proposes, the default model re-ranks.
      await wb.runCommand('Seq2Seq: Find Code by Description');
      const box = wb.page.locator('.quick-input-widget .quick-input-box input');
      await box.waitFor({ state: 'visible', timeout: scaled(15_000) });
      await box.fill('compute the area of a circle from its radius');
      await wb.page.keyboard.press('Enter');
      const first = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
      await first.filter({ hasText: 'circle_area' }).waitFor({ timeout: scaled(120_000) });
      assert.match((await first.innerText()).replace(/\s+/g, ' '), /circle_area.*geometry\.py:4/);
      screenshots.push(await wb.screenshot('find-code-by-description'));
      await wb.page.keyboard.press('Enter');
      // The quick pick closes before the palette can open again.
      await box.waitFor({ state: 'hidden', timeout: scaled(15_000) });
      await wb.waitForEditorText((t) => t.includes('def circle_area(radius):'), 15_000);
      await wb.runCommand('View: Close All Editor Groups');
      await pickModel(wb, 'tiny');
    },
  },
  {
    name: 'Evaluate Model scores the active model on the workspace and opens a report',
    async run({ wb, screenshots }) {
      await wb.runCommand('View: Close All Editor Groups');
      const started = Date.now();
      await wb.runCommand('Seq2Seq: Evaluate Model');
      const report = await wb.waitForEditorText(
        (t) => t.includes('# Seq2Seq: evaluation of') && /\| all \| name \|/.test(t),
        120_000,
      );
      console.log(`    evaluation report after ${Date.now() - started} ms`);
      screenshots.push(await wb.screenshot('evaluate-model'));
      assert.match(report, /documented functions in \d+ files \(.*python \d+/);
      assert.match(report, /scored \d+ of the test split that fine-tuning holds out/);
      // A row per system over all languages, with numbers in every score column.
      for (const system of ['model', 'name'])
        assert.match(
          report,
          new RegExp(`\\| all \\| ${system} \\| \\d+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\|`),
        );
      // The Markdown preview opened beside takes the focus; the palette opens from the editor.
      await wb.clickLine('# Seq2Seq: evaluation of');
      await wb.runCommand('View: Close All Editor Groups');
    },
  },
];
