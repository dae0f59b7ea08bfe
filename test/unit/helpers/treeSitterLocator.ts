/**
 * A FunctionLocator on tree-sitter in the test's own thread (src/parsing/locate.ts), for tests that
 * need real function locations without a parse worker. The extension runs the same locateInText
 * in its parse worker (src/worker/parseWorker.ts, behind src/host/parseClient.ts). No `vscode` here.
 */
import { locateInText } from '../../../src/parsing/locate';
import { ParserPool, type ParserOptions } from '../../../src/parsing/parser';
import type { FunctionLocator, LocatedFunction } from '../../../src/host/functionLocator';

export class TreeSitterLocator implements FunctionLocator {
  private readonly parsers: ParserPool;

  constructor(options: ParserOptions = {}) {
    this.parsers = new ParserPool(options);
  }

  functions(language: string, text: string): Promise<LocatedFunction[]> {
    return locateInText(this.parsers, language, text);
  }

  dispose(): void {
    this.parsers.dispose();
  }
}
