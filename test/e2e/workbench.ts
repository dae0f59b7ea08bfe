/**
 * Drives the VS Code workbench served by code-server in headless Debian Chromium through
 * playwright-core: the command palette, the editor's text and selection, notifications,
 * webviews (two iframes deep) and screenshots. Every wait is for a condition; the time limits
 * given here and by callers are what a quiet machine needs, stretched by `scaled` (test/timeScale.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { scaled } from '../timeScale';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The quick input: the command palette and every quick pick. */
export const QUICK_INPUT = '.quick-input-widget';

export class Workbench {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly profileDir: string,
    readonly screenshotDir: string,
  ) {}

  static async open(
    url: string,
    screenshotDir: string,
    options: { colorScheme?: 'light' | 'dark'; onExit?: (code: number) => void } = {},
  ): Promise<Workbench> {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-chromium-'));
    fs.mkdirSync(screenshotDir, { recursive: true });
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      colorScheme: options.colorScheme ?? 'dark',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Waits without a time limit of their own (a click, a fill) get a scaled one too.
    page.setDefaultTimeout(scaled(30_000));
    const wb = new Workbench(context, page, profileDir, screenshotDir);
    page.on('console', (msg) => wb.console.push(msg.text()));
    // The workbench calls this when an extension test suite (extensionTestsPath) ends.
    if (options.onExit) await page.exposeFunction('codeAutomationExit', options.onExit);
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: scaled(60_000) });
    return wb;
  }

  readonly console: string[] = [];

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * The command palette's rows for `query`, read once the list holds still. `waitForMatches`:
   * while the extension host is still starting the workbench may not list the extension's commands
   * yet, so an answer of "No matching commands" is asked again, with the palette closed and opened
   * afresh (typing the same query again does not filter again), for up to 30 s (only where the
   * caller knows some must match).
   */
  async paletteRows(query: string, waitForMatches = false): Promise<string[]> {
    const none = (texts: string[]): boolean => texts.length === 1 && /^No matching commands/.test(texts[0]!.trim());
    const deadline = Date.now() + scaled(30_000);
    for (;;) {
      await this.openPalette(query);
      const rows = await this.settledPaletteRows();
      if (!waitForMatches || !none(rows) || Date.now() > deadline) return rows;
      await this.closePalette();
      await this.page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
      await this.page.waitForTimeout(500);
    }
  }

  /** The quick input's rows once they hold still: the list is filtered as the query arrives. */
  private async settledPaletteRows(): Promise<string[]> {
    const rows = this.page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
    await rows.first().waitFor({ timeout: scaled(15_000) });
    return this.settled(() => rows.allInnerTexts());
  }

  /**
   * `read()` once two reads `everyMs` apart agree (compared as JSON), or the last read after
   * `timeoutMs` (scaled): for what is drawn in steps, like a list filtered as a query arrives or
   * lenses resolved one by one, and may be redrawn more than once on a busy machine.
   */
  async settled<T>(read: () => Promise<T>, everyMs = 300, timeoutMs = 6_000): Promise<T> {
    const deadline = Date.now() + scaled(timeoutMs);
    let seen = JSON.stringify(await read());
    for (;;) {
      await this.page.waitForTimeout(everyMs);
      const again = await read();
      const json = JSON.stringify(again);
      if (json === seen || Date.now() > deadline) return again;
      seen = json;
    }
  }

  private async openPalette(query: string): Promise<void> {
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    // F1 goes to whatever has the focus; a webview that just opened beside the editor (the
    // Markdown preview) can swallow it. The command center in the title bar opens the same
    // quick input whatever has the focus, so it is the fallback.
    // A preview that opens late can also take the focus after the palette opened, which closes
    // it again: then the palette is opened once more.
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await input.isVisible())) {
          if (attempt === 0) await this.page.keyboard.press('F1');
          else await this.page.locator('.command-center .search-label, .command-center').first().click();
          await input.waitFor({ state: 'visible', timeout: scaled(5_000) });
        }
        await input.fill(`>${query}`, { timeout: scaled(5_000) });
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  async closePalette(): Promise<void> {
    await this.page.keyboard.press('Escape');
  }

  /** Runs a command by its full palette title (e.g. "Seq2Seq: Show Engine Status"). */
  async runCommand(title: string): Promise<void> {
    await this.openPalette(title);
    const row = this.page
      .locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row.focused`)
      .filter({ hasText: title.split(': ').pop() ?? title });
    await row.first().waitFor({ timeout: scaled(15_000) });
    await this.page.keyboard.press('Enter');
  }

  /** Waits (up to `timeoutMs`, scaled) for a notification toast whose text matches and returns its text. */
  async notification(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const toast = this.page
      .locator('.notification-toast, .notifications-toasts .monaco-list-row')
      .filter({ hasText: pattern });
    await toast.first().waitFor({ timeout: scaled(timeoutMs) });
    return (await toast.first().innerText()).replace(/\s+/g, ' ');
  }

  async openFile(name: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: name }).first().click();
    await this.page
      .locator('.monaco-editor .view-lines')
      .first()
      .waitFor({ timeout: scaled(30_000) });
  }

  /** The editor's text: view lines sorted by their top, non-breaking spaces restored. */
  async editorText(): Promise<string> {
    // A string, not a function: this file compiles without the DOM library.
    return this.page.evaluate<string>(`(() => {
      const lines = Array.from(document.querySelectorAll('.monaco-editor .view-lines .view-line'));
      lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      return lines.map((l) => (l.textContent || '').replace(/\\u00a0/g, ' ')).join('\\n');
    })()`);
  }

  /** Clicks the end of the first editor line containing `text`. */
  async clickLine(text: string): Promise<void> {
    const line = this.page.locator('.monaco-editor .view-lines .view-line', { hasText: text }).first();
    await line.click();
    await this.page.keyboard.press('End');
  }

  /** Polls the editor's text until `predicate` holds (for up to `timeoutMs`, scaled); returns it. */
  async waitForEditorText(predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + scaled(timeoutMs);
    let text = await this.editorText();
    while (!predicate(text)) {
      if (Date.now() > deadline)
        throw new Error(`editor text did not change as expected in ${scaled(timeoutMs)} ms; it is:\n${text}`);
      await this.page.waitForTimeout(200);
      text = await this.editorText();
    }
    return text;
  }

  /**
   * Polls `probe` every `everyMs` until it gives something other than undefined, for up to
   * `timeoutMs` (scaled); returns it, or throws naming `what`.
   */
  async until<T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs: number,
    everyMs = 250,
  ): Promise<T> {
    const limit = scaled(timeoutMs);
    const deadline = Date.now() + limit;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limit} ms`);
      await this.page.waitForTimeout(everyMs);
    }
  }

  /** Resolves once the page has drawn two more frames: what the last keystroke changed is on screen. */
  async rendered(): Promise<void> {
    await this.page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))`);
  }

  /** The frame holding a webview's own document, found by an element inside it (within `timeoutMs`, scaled). */
  async webviewFrame(selector: string, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + scaled(timeoutMs);
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        try {
          if ((await frame.$(selector)) !== null) return frame;
        } catch {
          // frame detached while looking
        }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`No webview frame with ${selector} within ${scaled(timeoutMs)} ms`);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    fs.rmSync(this.profileDir, { recursive: true, force: true });
  }
}
