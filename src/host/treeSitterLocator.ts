/**
 * The function locator on tree-sitter in this thread (src/data/locate.ts), sharing src/data's
 * grammars and language specs with the miner. The editor runs it in the parse worker
 * (parseClient.ts); tests and tools use it directly. No `vscode` here.
 */
import { locateInText } from '../data/locate';
import { ParserPool, type ParserOptions } from '../data/parser';
import type { FunctionLocator, LocatedFunction } from './functionLocator';

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
