/**
 * Drives the VS Code workbench served by code-server in headless Debian Chromium through
 * playwright-core: the command palette, the editor's text and selection, notifications,
 * webviews (two iframes deep) and screenshots.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
    const wb = new Workbench(context, page, profileDir, screenshotDir);
    page.on('console', (msg) => wb.console.push(msg.text()));
    // The workbench calls this when an extension test suite (extensionTestsPath) ends.
    if (options.onExit) await page.exposeFunction('codeAutomationExit', options.onExit);
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    return wb;
  }

  readonly console: string[] = [];

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Opens the palette with `>query` and returns the labels of the rows shown. */
  /**
   * The command palette's rows for `query`. `waitForMatches`: while the extension host is still
   * starting the workbench may not list the extension's commands yet, so an answer of "No matching
   * commands" is asked again for up to 20 s (only where the caller knows some must match).
   */
  async paletteRows(query: string, waitForMatches = false): Promise<string[]> {
    await this.openPalette(query);
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout: 15_000 });
    const none = (texts: string[]): boolean => texts.length === 1 && /^No matching commands/.test(texts[0]!.trim());
    for (let i = 0; waitForMatches && i < 20 && none(await rows.allInnerTexts()); i++) {
      await this.page.waitForTimeout(1000);
      await this.page.locator('.quick-input-widget .quick-input-box input').fill(`>${query}`);
      await this.page.waitForTimeout(200);
    }
    // The list is filtered as the query arrives and may be redrawn more than once on a busy
    // machine: read it until two reads 300 ms apart agree (at most about 6 s).
    let seen = await rows.allInnerTexts();
    for (let i = 0; i < 20; i++) {
      await this.page.waitForTimeout(300);
      const again = await rows.allInnerTexts();
      if (again.length > 0 && again.join('\n') === seen.join('\n')) return again;
      seen = again;
    }
    return seen;
  }

  private async openPalette(query: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
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
          await input.waitFor({ state: 'visible', timeout: 5_000 });
        }
        await input.fill(`>${query}`, { timeout: 5_000 });
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
      .locator('.quick-input-widget .quick-input-list .monaco-list-row.focused')
      .filter({ hasText: title.split(': ').pop() ?? title });
    await row.first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Waits for a notification toast whose text matches and returns its text. */
  async notification(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const toast = this.page
      .locator('.notification-toast, .notifications-toasts .monaco-list-row')
      .filter({ hasText: pattern });
    await toast.first().waitFor({ timeout: timeoutMs });
    return (await toast.first().innerText()).replace(/\s+/g, ' ');
  }

  async openFile(name: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: name }).first().click();
    await this.page.locator('.monaco-editor .view-lines').first().waitFor();
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

  /** Polls the editor's text until `predicate` holds; returns it. */
  async waitForEditorText(predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = await this.editorText();
    while (!predicate(text)) {
      if (Date.now() > deadline) throw new Error(`editor text did not change as expected; it is:\n${text}`);
      await this.page.waitForTimeout(200);
      text = await this.editorText();
    }
    return text;
  }

  /** The frame holding a webview's own document, found by an element inside it. */
  async webviewFrame(selector: string, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
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
    throw new Error(`No webview frame with ${selector} within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    fs.rmSync(this.profileDir, { recursive: true, force: true });
  }
}
