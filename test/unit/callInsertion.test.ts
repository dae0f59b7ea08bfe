/** Using an existing function instead of generated code: the call and its import. */
import * as assert from 'assert';
import { importInsertionLine, parameterNames, planCall, pythonModule } from '../../src/editing/callInsertion';

describe('call insertion', () => {
  it('reads parameter names without self, types and defaults', () => {
    assert.deepStrictEqual(parameterNames('def f(self, path: str, mode="r", *args, **kw) -> dict:'), [
      'path',
      'mode',
      '*args',
      '**kw',
    ]);
    assert.deepStrictEqual(parameterNames('export function g(a: Map<string, number>, b = 2) {}'), ['a', 'b']);
    assert.deepStrictEqual(parameterNames('def h():'), []);
  });

  it('imports a module-level Python function by its module path', () => {
    assert.strictEqual(pythonModule('pkg/utils/__init__.py'), 'pkg.utils');
    const fn = {
      path: 'utils/io.py',
      name: 'load_json',
      lang: 'python',
      code: 'def load_json(path):\n  ...',
      firstLine: 'def load_json(path):',
    };
    assert.deepStrictEqual(planCall(fn, 'app/main.py', 'import os\n', 'python'), {
      importLine: 'from utils.io import load_json',
      call: 'load_json(path)',
    });
    assert.deepStrictEqual(planCall(fn, 'app/main.py', 'from utils.io import load_json\n', 'python'), {
      call: 'load_json(path)',
    });
    assert.strictEqual(
      planCall({ ...fn, firstLine: '    def load_json(self, path):' }, 'a.py', '', 'python'),
      undefined,
    );
    assert.strictEqual(planCall(fn, 'a.ts', '', 'typescript'), undefined, 'another language');
  });

  it('imports an exported JavaScript function in the file’s own style', () => {
    const fn = {
      path: 'src/lib/strings.ts',
      name: 'reverse',
      lang: 'typescript',
      code: 'export function reverse(text) {}',
      firstLine: 'export function reverse(text: string): string {',
    };
    assert.deepStrictEqual(planCall(fn, 'src/app.ts', '', 'typescript'), {
      importLine: "import { reverse } from './lib/strings';",
      call: 'reverse(text)',
    });
    assert.strictEqual(
      planCall(fn, 'test/x.js', "const fs = require('fs');\n", 'javascript')?.importLine,
      "const { reverse } = require('../src/lib/strings');",
    );
    assert.strictEqual(
      planCall({ ...fn, firstLine: 'function reverse(text) {' }, 'src/app.ts', '', 'typescript'),
      undefined,
    );
  });

  it('puts a new import after the existing ones', () => {
    assert.strictEqual(importInsertionLine(['import os', 'import sys', '', 'x = 1'], 'python'), 2);
    assert.strictEqual(importInsertionLine(['#!/usr/bin/env python3', 'x = 1'], 'python'), 1);
    assert.strictEqual(importInsertionLine(["'use strict';", 'const a = 1;'], 'javascript'), 1);
  });
});
