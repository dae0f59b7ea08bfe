/**
 * The pure parts of the Debian corpus build (scripts/corpus): choosing and checking the manifest,
 * grouping binary packages by source package, licences and control fields, download failures
 * reported by name (with a fake downloader: no network), near-duplicate detection, the caps, the
 * split by project, and the target check. Tiny inputs only.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  assemble,
  capProjects,
  capSummaries,
  exactDuplicates,
  nearDuplicates,
  splitProjects,
  type Item,
} from '../../scripts/corpus/assemble';
import { missedTargets } from '../../scripts/corpus/card';
import { downloadDebs, licenceOf, parseControl } from '../../scripts/corpus/debian';
import {
  groupBySource,
  parseManifest,
  parsePackagesIndex,
  selectManifest,
  type FamilySpec,
} from '../../scripts/corpus/manifest';
import { mayHoldDocs, projectPath } from '../../scripts/corpus/mineWorker';
import { NearDupIndex, normalisedTokens, signatureFromBase64, signatureToBase64 } from '../../scripts/corpus/nearDup';

const INDEX = `Package: python3-foo
Source: foo (1.0-1)
Version: 1.0-1+b1
Architecture: all
Installed-Size: 100
Description: the foo library
 with a continuation line: Package: not-a-package

Package: python3-foo-extra
Source: foo
Version: 1.0-1
Architecture: all
Installed-Size: 50

Package: python3-bar
Version: 2.0-1
Architecture: all
Installed-Size: 300

Package: python3-native
Version: 1.0
Architecture: amd64
Installed-Size: 100

Package: python3-tiny
Version: 1.0
Architecture: all
Installed-Size: 2

Package: python3-foo-doc
Source: foo
Version: 1.0-1
Architecture: all
Installed-Size: 100

Package: node-foo
Source: foo
Version: 1.0-1
Architecture: all
Installed-Size: 40

Package: node-baz
Version: 3.0-1
Architecture: all
Installed-Size: 40
`;

const FAMILIES: FamilySpec[] = [
  { name: 'python3', language: 'python', pattern: /^python3-/, roots: [], archAllOnly: true, budgetKb: 10_000 },
  { name: 'node', language: 'javascript', pattern: /^node-/, roots: [], archAllOnly: true, budgetKb: 10_000 },
];
const RULE = { seed: 1, minInstalledKb: 12, maxInstalledKb: 1000 };

describe('corpus build: manifest', () => {
  it('parses apt Packages stanzas, the source package without its version', () => {
    const index = parsePackagesIndex(INDEX);
    assert.strictEqual(index.length, 8);
    assert.deepStrictEqual(index[0], {
      package: 'python3-foo',
      source: 'foo',
      version: '1.0-1+b1',
      architecture: 'all',
      installedKb: 100,
    });
    assert.strictEqual(index[2]!.source, 'python3-bar', 'no Source: the binary name is the source');
  });

  it('groups binary packages by source package, sorted', () => {
    assert.deepStrictEqual(
      groupBySource([
        { package: 'b-2', source: 'b' },
        { package: 'a-1', source: 'a' },
        { package: 'b-1', source: 'b' },
      ]),
      [
        { source: 'a', packages: ['a-1'] },
        { source: 'b', packages: ['b-1', 'b-2'] },
      ],
    );
  });

  it('selects by the rule: bounds, architecture, no doc packages; a source seen again joins its project', () => {
    const m = selectManifest(parsePackagesIndex(INDEX), RULE, FAMILIES);
    const py = m.families[0]!.projects;
    assert.deepStrictEqual(
      py.map((p) => p.source),
      ['foo', 'python3-bar'],
      'python3-native (amd64), python3-tiny (too small) and python3-foo-doc are left out',
    );
    assert.deepStrictEqual(py[0]!.packages, ['node-foo', 'python3-foo', 'python3-foo-extra']);
    assert.deepStrictEqual(
      m.families[1]!.projects.map((p) => p.source),
      ['node-baz'],
    );
    assert.deepStrictEqual(m, selectManifest(parsePackagesIndex(INDEX), RULE, FAMILIES), 'deterministic');
  });

  it('stops a family at its size budget', () => {
    const small = FAMILIES.map((f) => ({ ...f, budgetKb: 200 }));
    const m = selectManifest(parsePackagesIndex(INDEX), RULE, small);
    const kb = m.families[0]!.projects.length;
    assert.strictEqual(kb, 1, 'foo (150 KiB) and bar (300 KiB) do not both fit in 200 KiB');
  });

  it('checks a manifest and names the problem', () => {
    const ok = {
      rule: { seed: 1 },
      families: [{ name: 'x', language: 'go', projects: [{ source: 'a', packages: ['p'] }] }],
    };
    assert.doesNotThrow(() => parseManifest(ok));
    const twice = {
      rule: { seed: 1 },
      families: [
        {
          name: 'x',
          language: 'go',
          projects: [
            { source: 'a', packages: ['p'] },
            { source: 'b', packages: ['p'] },
          ],
        },
      ],
    };
    assert.throws(() => parseManifest(twice), /package p listed twice/);
    assert.throws(() => parseManifest({ rule: { seed: 1 }, families: [] }), /no families/);
    const bad = {
      rule: { seed: 1 },
      families: [{ name: 'x', language: 'go', projects: [{ source: 'a', packages: ['../etc'] }] }],
    };
    assert.throws(() => parseManifest(bad), /bad package name/);
  });
});

describe('corpus build: Debian packages', () => {
  it('reads control fields; the source package defaults to the binary name', () => {
    assert.deepStrictEqual(parseControl('Package: python3-x\nSource: x (1.2-3)\nVersion: 1.2-3+b1\n', 'y'), {
      package: 'python3-x',
      source: 'x',
      version: '1.2-3+b1',
    });
    assert.strictEqual(parseControl('Package: node-y\nVersion: 1\n', 'node-y').source, 'node-y');
  });

  it('names the licence of the Files: * paragraph, else a known licence in free text', () => {
    const dep5 =
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n' +
      'Files: debian/*\nLicense: GPL-2+\n\nFiles: *\nCopyright: 2020 A\nLicense: Expat\n';
    assert.strictEqual(licenceOf(dep5), 'Expat');
    assert.strictEqual(licenceOf('Files: lib/*\nLicense: BSD-3-clause\n'), 'BSD-3-clause');
    assert.strictEqual(licenceOf('Licensed under the Apache License, Version 2.0'), 'Apache-2.0');
    assert.strictEqual(licenceOf('All rights reserved.'), 'unknown');
  });

  it('reports a package that fails to download by name, keeps the rest, and reuses the cache', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-dl-'));
    const calls: string[][] = [];
    const fake = async (names: readonly string[], tmp: string): Promise<void> => {
      calls.push([...names]);
      if (names.includes('missing-pkg'))
        throw Object.assign(new Error('x'), { stderr: 'E: Unable to locate package missing-pkg' });
      for (const n of names) fs.writeFileSync(path.join(tmp, `${n}_1.0_all.deb`), 'deb');
    };
    try {
      const first = await downloadDebs(['a', 'missing-pkg', 'b', 'c'], dir, {
        batchSize: 3,
        parallel: 2,
        download: fake,
      });
      assert.deepStrictEqual([...first.debs.keys()].sort(), ['a', 'b', 'c']);
      assert.deepStrictEqual([...first.failed.keys()], ['missing-pkg']);
      assert.match(first.failed.get('missing-pkg')!, /Unable to locate package missing-pkg/);
      assert.strictEqual(first.downloaded, 3);
      calls.length = 0;
      const second = await downloadDebs(['a', 'b', 'c'], dir, { download: fake });
      assert.strictEqual(second.reused, 3);
      assert.strictEqual(calls.length, 0, 'nothing fetched again');
      assert.ok(!fs.readdirSync(dir).some((f) => f.startsWith('.partial')), 'temporary folders removed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('strips the install prefix from corpus paths', () => {
    const roots = ['usr/lib/python3/dist-packages/', 'usr/share/gocode/src/'];
    assert.strictEqual(projectPath('usr/lib/python3/dist-packages/foo/a.py', roots), 'foo/a.py');
    assert.strictEqual(projectPath('usr/bin/tool.py', roots), 'usr/bin/tool.py');
  });

  it('skips parsing only files that cannot hold a doc comment', () => {
    assert.ok(!mayHoldDocs('python', 'def f():\n    return 1\n'));
    assert.ok(mayHoldDocs('python', 'def f():\n    """Doc."""\n'));
    assert.ok(!mayHoldDocs('javascript', '// line comment\nfunction f() {}\n'));
    assert.ok(mayHoldDocs('javascript', '/** Doc. */\nfunction f() {}\n'));
    assert.ok(mayHoldDocs('go', '// F does.\nfunc F() {}\n'));
  });
});

const item = (project: string, lang: string, code: string, summary = `s ${code}`, id = code): Item => ({
  project,
  lang,
  codeKey: code.replace(/\s+/g, ' '),
  summaryKey: summary,
  id,
});

describe('corpus build: dedup, caps and split', () => {
  const A = 'function add(a, b) {\n  const total = a + b;\n  return total * 2 + offset(a, "x");\n}';
  const A_EDITED = 'function add(a, b) {\n  const total = a + b;\n  return total * 2 + offset(a, "y");\n}';
  const B = 'def parse(text):\n    tokens = text.split()\n    return [int(t) for t in tokens if t.isdigit()]';

  it('normalises tokens: literals and numbers folded, case ignored', () => {
    assert.deepStrictEqual(normalisedTokens('Foo("a", 42)'), ['foo', '(', 'S', ',', '0', ')']);
  });

  it('stores a signature as base64 and reads it back', () => {
    const sig = new NearDupIndex().signature(A);
    assert.deepStrictEqual(signatureFromBase64(signatureToBase64(sig)), sig);
  });

  it('finds a near copy from another project but not a different function', () => {
    const index = new NearDupIndex();
    index.add(index.signature(A), 0);
    assert.strictEqual(index.check(index.signature(A_EDITED), 1), 0, 'edited literal: near-duplicate');
    assert.strictEqual(index.check(index.signature(B), 1), undefined);
    assert.strictEqual(index.check(index.signature(A_EDITED), 0), undefined, 'same project: not a cross-project copy');
  });

  it('drops exact and near duplicates, keeping the first', () => {
    const items = [item('p', 'js', A), item('q', 'js', A), item('r', 'js', A_EDITED), item('r', 'py', B)];
    const keep = items.map(() => true);
    assert.strictEqual(exactDuplicates(items, keep), 1);
    const codes = [A, A, A_EDITED, B];
    const signer = new NearDupIndex();
    assert.strictEqual(
      nearDuplicates(items, keep, (i) => signer.signature(codes[i]!)),
      1,
    );
    assert.deepStrictEqual(keep, [true, false, false, true]);
  });

  it('caps a repeated summary within a project, not across projects', () => {
    const items = [
      ...Array.from({ length: 8 }, (_, i) => item('p', 'js', `code ${i}`, 'applies the plugin')),
      ...Array.from({ length: 3 }, (_, i) => item('q', 'js', `other ${i}`, 'applies the plugin')),
    ];
    const keep = items.map(() => true);
    assert.strictEqual(capSummaries(items, keep, 5, 1), 3);
    assert.strictEqual(keep.slice(0, 8).filter(Boolean).length, 5);
    assert.strictEqual(keep.slice(8).filter(Boolean).length, 3);
  });

  it('caps every project at its share of the final corpus', () => {
    const items: Item[] = [];
    for (let p = 0; p < 10; p++)
      for (let i = 0; i < (p === 0 ? 500 : 20); i++) items.push(item(`p${p}`, 'go', `c${p} ${i}`));
    const keep = items.map(() => true);
    const [dropped, cap] = capProjects(items, keep, 0.2, 1);
    const kept = keep.filter(Boolean).length;
    const big = items.filter((it, i) => keep[i] && it.project === 'p0').length;
    assert.ok(dropped > 0);
    assert.ok(big <= 0.2 * kept + 1e-9, `${big} of ${kept}`);
    assert.strictEqual(big, cap);
  });

  const corpus = (): Item[] => {
    const items: Item[] = [];
    for (const lang of ['python', 'go', 'ruby']) {
      for (let p = 0; p < 30; p++) {
        for (let i = 0; i < 5 + (p % 7); i++) items.push(item(`${lang}-${p}`, lang, `${lang} ${p} ${i}`));
      }
    }
    // A mixed project: its main language decides its stratum.
    items.push(item('go-0', 'python', 'extra python in a go project'));
    return items;
  };

  it('splits by project: disjoint, deterministic from the seed, every language in valid and test', () => {
    const items = corpus();
    const keep = items.map(() => true);
    const a = splitProjects(items, keep, { seed: 3, validFraction: 0.1, testFraction: 0.1 });
    const b = splitProjects(items, keep, { seed: 3, validFraction: 0.1, testFraction: 0.1 });
    const c = splitProjects(items, keep, { seed: 4, validFraction: 0.1, testFraction: 0.1 });
    assert.deepStrictEqual([...a], [...b]);
    assert.notDeepStrictEqual([...a], [...c]);
    assert.strictEqual(a.size, 90, 'each project in exactly one split');
    for (const lang of ['python', 'go', 'ruby']) {
      for (const split of ['valid', 'test', 'train']) {
        assert.ok(
          items.some((it) => it.lang === lang && a.get(it.project) === split),
          `${lang} in ${split}`,
        );
      }
    }
  });

  it('assembles: kept pairs carry their project split, dropped ones none', () => {
    const items = corpus();
    items.push(item('ruby-1', 'ruby', 'python 0 0'));
    const signer = new NearDupIndex();
    const asm = assemble(items, (i) => signer.signature(items[i]!.codeKey), {
      seed: 5,
      maxProjectShare: 0.5,
      validFraction: 0.1,
      testFraction: 0.1,
    });
    assert.strictEqual(asm.dropped.duplicateCode, 1);
    assert.strictEqual(asm.split[items.length - 1], undefined);
    items.forEach((it, i) => {
      if (asm.split[i]) assert.strictEqual(asm.split[i], asm.projectSplit.get(it.project));
    });
  });

  it('names each missed target', () => {
    const stats = {
      pairs: 50,
      projects: { train: 3, valid: 1, test: 1 },
      perLanguage: { python: { train: 40, valid: 5, test: 5 }, go: { train: 10, valid: 0, test: 0 } },
    };
    const targets = { minPairs: 100, minProjects: 4, minLanguagePairs: 20, languages: ['python', 'go', 'rust'] };
    const missed = missedTargets(stats, targets);
    assert.deepStrictEqual(missed, [
      '50 pairs, fewer than the 100 required',
      'go: 10 pairs, fewer than the 20 required',
      'go: no pairs in valid',
      'go: no pairs in test',
      'rust: 0 pairs, fewer than the 20 required',
      'rust: no pairs in valid',
      'rust: no pairs in test',
    ]);
    assert.deepStrictEqual(missedTargets({ ...stats, pairs: 100 }, { ...targets, languages: ['python'] }), []);
  });
});
