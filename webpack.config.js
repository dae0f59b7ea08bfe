// @ts-check
/**
 * One webpack configuration per runtime, sharing one defaults function; in the node bundles
 * `vscode` and tfjs-node stay external, and dynamic import() becomes a lazily loaded chunk:
 *  - extension: the extension host entry (node);
 *  - cli: the headless command line (node), with a shebang;
 *  - worker: the engine worker thread (node): translation, the workspace index, search, training;
 *  - gradientWorker: data-parallel training's gradient workers (node), started by the trainer;
 *  - parseWorker: the tree-sitter worker thread of the editor's function locator (node);
 *  - one web bundle per webview app in src/webviews/apps/<app>/main.ts, with its styles.
 * Binary assets are copied beside the bundles and found at run time from `__dirname`:
 * TensorFlow.js wasm binaries in dist/wasm and tree-sitter grammars in dist/tree-sitter.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');

const dist = path.resolve(__dirname, 'dist');

/** Grammars the miner and the editor commands use. */
const GRAMMARS = ['python', 'javascript', 'typescript', 'tsx', 'java', 'go', 'rust', 'c-sharp', 'cpp', 'php', 'ruby'];

/** @param {'node' | 'web'} target @param {string} configFile @returns {import('webpack').Configuration} */
function base(target, configFile) {
  return {
    target: target === 'node' ? 'node20' : 'web',
    // Source maps only in development builds: they doubled the package's size.
    devtool: process.env.NODE_ENV === 'production' || process.argv.includes('production') ? false : 'source-map',
    resolve: {
      extensions: ['.ts', '.js'],
      mainFields: target === 'node' ? ['main', 'module'] : ['browser', 'module', 'main'],
    },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          // ES modules out of ts-loader so that dynamic import() becomes a lazily loaded chunk.
          use: [
            {
              loader: 'ts-loader',
              options: {
                transpileOnly: true,
                configFile,
                compilerOptions: { module: 'es2022', moduleResolution: 'bundler' },
              },
            },
          ],
        },
      ],
    },
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  };
}

/** @param {string} name @param {string} entry @returns {import('webpack').Configuration} */
function nodeBundle(name, entry) {
  return {
    ...base('node', path.resolve(__dirname, 'tsconfig.json')),
    name,
    entry: { [name]: entry },
    output: {
      path: dist,
      filename: '[name].js',
      chunkFilename: `${name}.[id].[contenthash:8].js`,
      libraryTarget: 'commonjs2',
    },
    node: { __dirname: false, __filename: false },
    externals: {
      vscode: 'commonjs vscode',
      '@tensorflow/tfjs-node': 'commonjs @tensorflow/tfjs-node',
    },
    ignoreWarnings: [{ module: /node_modules/ }],
  };
}

const copyAssets = new CopyPlugin({
  patterns: [
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm', to: path.join(dist, 'wasm', '[name][ext]') },
    ...GRAMMARS.map((g) => ({
      from: `node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-${g}.wasm`,
      to: path.join(dist, 'tree-sitter', '[name][ext]'),
    })),
    {
      from: 'node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter.wasm',
      to: path.join(dist, 'tree-sitter', '[name][ext]'),
    },
    {
      from: 'node_modules/web-tree-sitter/*.wasm',
      to: path.join(dist, 'tree-sitter', '[name][ext]'),
      noErrorOnMissing: true,
    },
  ],
});

const extension = nodeBundle('extension', './src/extension.ts');
extension.plugins = [copyAssets];

const cli = nodeBundle('cli', './src/cli/bin.ts');
cli.plugins = [new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true })];

const configs = [extension, cli];
configs.push(nodeBundle('worker', './src/worker/worker.ts'));
// Data-parallel training's gradient workers, started by the trainer from beside its bundle.
configs.push(nodeBundle('gradientWorker', './src/training/gradientWorker.ts'));
configs.push(nodeBundle('parseWorker', './src/worker/parseWorker.ts'));

const appsDir = path.join(__dirname, 'src/webviews/apps');
const apps = fs.existsSync(appsDir)
  ? fs.readdirSync(appsDir).filter((d) => fs.existsSync(path.join(appsDir, d, 'main.ts')))
  : [];
for (const app of apps) {
  const styles = path.join(appsDir, app, 'styles.css');
  /** @type {import('webpack').Configuration} */
  const web = {
    ...base('web', path.resolve(__dirname, 'tsconfig.webview.json')),
    name: `webview-${app}`,
    entry: { [app]: `./src/webviews/apps/${app}/main.ts` },
    output: { path: path.join(dist, 'webviews'), filename: '[name].js' },
    plugins: [
      new CopyPlugin({
        patterns: [
          ...(fs.existsSync(styles) ? [{ from: styles, to: `${app}.css` }] : []),
          { from: 'node_modules/uplot/dist/uPlot.min.css', to: 'uPlot.min.css' },
        ],
      }),
    ],
  };
  configs.push(web);
}

module.exports = configs;
