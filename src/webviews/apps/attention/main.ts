/**
 * Attention explorer (browser side): heatmap of one hypothesis' attention, Transformer layer and
 * head selection, the n-best list with a live length-penalty slider, and exports. Posts `ready`
 * first; keeps its state with `setState` so it comes back after the panel is hidden or the
 * window reloads. All data arrives by `postMessage`.
 */
import { ipcMessage, isIpcMessage, type IpcCommand, type IpcMessage } from '../../../protocol/ipc';
import { WebviewReady } from '../../protocol';
import {
  ATTENTION_PROTOCOL_VERSION,
  ExportData,
  ExportResult,
  HoverSource,
  HoverTarget,
  RevealSource,
  ShowAttention,
  type AttentionPanelState,
  type ExportFormat,
} from '../../attention/protocol';
import { rankHypotheses } from '../../attention/ranking';
import { renderBeams } from './beams';
import { cssColor, matrixMax } from './colorScale';
import { Heatmap } from './heatmap';
import { renderHeads } from './heads';
import { selectMatrix } from './matrix';
import { heatmapSvg } from './svgExport';

interface VsCodeApi {
  postMessage(msg: IpcMessage): void;
  getState(): unknown;
  setState(state: AttentionPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** Sends a command to the host. */
const post = <M extends string, P>(type: IpcCommand<P, M>, params: NoInfer<P>): void =>
  vscode.postMessage(ipcMessage(type, params));
let state: AttentionPanelState | undefined;

const ui = buildShell(document.getElementById('app') ?? document.body);
const heatmap = new Heatmap(ui.grid, {
  onTarget: (step, weights) => state && post(HoverTarget, { hyp: state.selected, step, weights: [...weights] }),
  onSource: (index) => post(HoverSource, { index }),
  onReveal: (index) => post(RevealSource, { index }),
  onStatus: (text) => (ui.status.textContent = text),
});

function buildShell(app: HTMLElement) {
  const make = <K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: { id?: string; className?: string; text?: string } = {},
  ): HTMLElementTagNameMap[K] => {
    const e = document.createElement(tag);
    if (props.id) e.id = props.id;
    if (props.className) e.className = props.className;
    if (props.text) e.textContent = props.text;
    return e;
  };
  const title = make('h1', { id: 'title', text: 'Attention' });
  const neighbour = make('p', { id: 'neighbour', className: 'status' });
  const status = make('p', { id: 'status', className: 'status' });
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const empty = make('p', {
    id: 'empty',
    className: 'empty',
    text: 'Select code or a comment and run “Seq2Seq: Show Attention for Selection”.',
  });

  const layerLabel = make('label', { text: 'Layer ' });
  const layerSelect = make('select', { id: 'layer-select' });
  layerLabel.htmlFor = 'layer-select';
  const heads = make('div', { id: 'heads', className: 'heads' });
  heads.setAttribute('role', 'group');
  heads.setAttribute('aria-label', 'Attention heads');
  const lpLabel = make('label', { text: 'Length penalty α ' });
  const lpSlider = make('input', { id: 'lp-slider' });
  lpSlider.type = 'range';
  lpSlider.min = '0';
  lpSlider.max = '2';
  lpSlider.step = '0.05';
  lpLabel.htmlFor = 'lp-slider';
  const lpValue = make('output', { id: 'lp-value' });
  lpValue.htmlFor.add('lp-slider');
  const exports = (['png', 'svg', 'json'] as const).map((f) => {
    const b = make('button', { id: `export-${f}`, text: `Export ${f.toUpperCase()}` });
    b.dataset['format'] = f;
    return b;
  });
  const toolbar = make('div', { className: 'toolbar' });
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'Attention view options');
  const layerBox = make('span', { className: 'layer-box' });
  layerBox.append(layerLabel, layerSelect);
  const lpBox = make('span', { className: 'lp-box' });
  lpBox.append(lpLabel, lpSlider, lpValue);
  toolbar.append(layerBox, lpBox, ...exports);

  const legend = make('canvas', { id: 'legend' });
  legend.setAttribute('role', 'img');
  const legendMax = make('span', { id: 'legend-max' });
  const legendBox = make('div', { className: 'legend' });
  legendBox.append(make('span', { text: '0' }), legend, legendMax);
  const scroller = make('div', { className: 'heatmap-scroll' });
  const grid = make('div', { className: 'heatmap-grid' });
  scroller.append(grid);
  const beamsTitle = make('h2', { id: 'beams-title', text: 'Hypotheses' });
  const beams = make('ol', { id: 'beams' });
  beams.setAttribute('role', 'listbox');
  beams.setAttribute('aria-labelledby', 'beams-title');
  const content = make('div', { id: 'content', className: 'content' });
  const main = make('section', { className: 'heatmap-section' });
  main.setAttribute('aria-label', 'Attention heatmap');
  main.append(legendBox, heads, scroller);
  const side = make('aside', { className: 'beams-section' });
  side.append(beamsTitle, beams);
  content.append(toolbar, main, side);
  app.append(title, neighbour, status, empty, content);
  return {
    title,
    neighbour,
    status,
    empty,
    content,
    layerSelect,
    heads,
    lpSlider,
    lpValue,
    exports,
    legend,
    legendMax,
    grid,
    beams,
  };
}

function setState(next: AttentionPanelState): void {
  state = next;
  vscode.setState(next);
  render();
}

function render(): void {
  const s = state;
  ui.empty.hidden = !!s;
  ui.content.hidden = !s;
  if (!s) return;
  const view = s.view;
  const hyp = view.hypotheses[s.selected] ?? view.hypotheses[0]!;
  ui.title.textContent = view.direction === 'code2doc' ? 'Attention: code → comment' : 'Attention: comment → code';
  ui.neighbour.hidden = !view.neighbour;
  ui.neighbour.textContent = view.neighbour ?? '';
  // Layers.
  const options = [new Option(view.layers ? 'Default (last layer, head mean)' : 'Attention', '-1')];
  for (let l = 0; l < view.layers; l++) options.push(new Option(`Layer ${l + 1}`, String(l)));
  ui.layerSelect.replaceChildren(...options);
  ui.layerSelect.value = String(s.layer);
  ui.layerSelect.disabled = view.layers === 0;
  const layerHeads = s.layer >= 0 ? hyp.byLayerHead?.[s.layer] : undefined;
  ui.heads.hidden = !layerHeads;
  if (layerHeads) renderHeads(ui.heads, layerHeads, s.head, (head) => setState({ ...s, head }));
  // Beams.
  ui.lpSlider.value = String(s.alpha);
  ui.lpValue.value = s.alpha.toFixed(2);
  const ranking = rankHypotheses(view.hypotheses, s.alpha, view.lengthReward, view.lengthRewardLimit);
  renderBeams(
    ui.beams,
    { hypotheses: view.hypotheses, ranking, selected: hyp.index, lowConfidence: view.lowConfidence },
    (selected) => setState({ ...s, selected }),
  );
  // Heatmap.
  const matrix = selectMatrix(hyp, s.layer, s.head);
  if (matrix.length === 0) {
    ui.status.textContent = 'This model has no attention to show.';
    return;
  }
  heatmap.render({ matrix, rowLabels: hyp.tokens, sourceTokens: view.sourceTokens, words: view.words });
  drawLegend(matrixMax(matrix));
}

function drawLegend(max: number): void {
  const c = ui.legend;
  c.width = 160;
  c.height = 10;
  const ctx = c.getContext('2d');
  if (ctx)
    for (let x = 0; x < c.width; x++) {
      ctx.fillStyle = cssColor(x / (c.width - 1));
      ctx.fillRect(x, 0, 1, c.height);
    }
  ui.legendMax.textContent = max.toFixed(2);
  c.setAttribute('aria-label', `Colour scale from 0 to ${max.toFixed(2)} attention weight`);
}

function currentExport():
  | {
      name: string;
      rowLabels: readonly string[];
      colLabels: string[];
      matrix: ReturnType<typeof selectMatrix>;
      title: string;
    }
  | undefined {
  const s = state;
  if (!s) return undefined;
  const hyp = s.view.hypotheses[s.selected] ?? s.view.hypotheses[0]!;
  const which = s.layer < 0 ? 'default' : `layer${s.layer + 1}-${s.head < 0 ? 'avg' : `head${s.head + 1}`}`;
  return {
    name: `attention-${s.view.direction}-hyp${hyp.index + 1}-${which}`,
    title: `${s.view.direction}: ${hyp.tokens.join(' ')} (${which})`,
    rowLabels: hyp.tokens,
    colLabels: s.view.sourceTokens.map((t) => t.text),
    matrix: selectMatrix(hyp, s.layer, s.head),
  };
}

async function exportAs(format: ExportFormat): Promise<void> {
  const e = currentExport();
  const s = state;
  if (!e || !s) return;
  let data: string;
  if (format === 'json') {
    const hyp = s.view.hypotheses[s.selected]!;
    data = JSON.stringify(
      {
        direction: s.view.direction,
        sourceTokens: s.view.sourceTokens,
        outputTokens: hyp.tokens,
        tokenProbs: hyp.tokenProbs,
        layer: s.layer,
        head: s.head,
        attention: e.matrix,
        attentionByLayerHead: hyp.byLayerHead ?? null,
      },
      null,
      1,
    );
  } else {
    const svg = heatmapSvg(e);
    data = format === 'svg' ? svg : await svgToPngBase64(svg);
  }
  post(ExportData, { format, data, suggestedName: `${e.name}.${format}` });
}

function svgToPngBase64(svg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      c.getContext('2d')?.drawImage(img, 0, 0);
      resolve(c.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''));
    };
    img.onerror = () => reject(new Error('Could not render the heatmap image.'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}

ui.layerSelect.addEventListener(
  'change',
  () => state && setState({ ...state, layer: Number(ui.layerSelect.value), head: -1 }),
);
ui.lpSlider.addEventListener('input', () => state && setState({ ...state, alpha: Number(ui.lpSlider.value) }));
for (const b of ui.exports) {
  b.addEventListener('click', () => {
    exportAs(b.dataset['format'] as ExportFormat).catch(
      (err: unknown) => (ui.status.textContent = err instanceof Error ? err.message : String(err)),
    );
  });
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const msg = ev.data;
  if (isIpcMessage(msg, ShowAttention)) {
    const view = msg.params.view;
    const best =
      rankHypotheses(view.hypotheses, view.lengthPenalty, view.lengthReward, view.lengthRewardLimit)[0]?.index ?? 0;
    setState({ view, selected: best, alpha: view.lengthPenalty, layer: -1, head: -1 });
  } else if (isIpcMessage(msg, ExportResult)) {
    const r = msg.params;
    ui.status.textContent = r.saved
      ? `Saved ${r.format.toUpperCase()} to ${r.path ?? ''}`
      : r.error
        ? `Export failed: ${r.error}`
        : 'Export cancelled.';
  }
});

const saved = vscode.getState() as AttentionPanelState | undefined;
if (saved?.view?.version === ATTENTION_PROTOCOL_VERSION) setState(saved);
else render();
post(WebviewReady, { version: ATTENTION_PROTOCOL_VERSION });
